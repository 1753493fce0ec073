"""domain/razorpay.py: the gateway's entities as Razorpay's, its errors, its webhook events."""

from __future__ import annotations

import json

from chalicelib.domain import razorpay as rzp

PAYMENT = {
    "id": "pay_A",
    "order_id": "order_A",
    "amount": 5000,
    "currency": "INR",
    "method": "upi",
    "vpa": "a@bank",
    "status": "success",
    "captured": False,
    "amount_refunded": 0,
    "refund_status": None,
    "error_code": None,
    "error_description": None,
    "created_at": "2026-01-01T00:00:00.000Z",
}


def test_a_payments_status_follows_capture_and_refunds():
    assert rzp.payment({**PAYMENT, "status": "pending"})["status"] == "created"
    assert rzp.payment(PAYMENT)["status"] == "authorized"
    assert rzp.payment({**PAYMENT, "captured": True})["status"] == "captured"
    partly = {**PAYMENT, "captured": True, "amount_refunded": 100, "refund_status": "partial"}
    assert rzp.payment(partly)["status"] == "captured"
    fully = {**PAYMENT, "captured": True, "amount_refunded": 5000, "refund_status": "full"}
    assert rzp.payment(fully)["status"] == "refunded"
    failed = rzp.payment({**PAYMENT, "status": "failed", "error_code": "CARD_DECLINED", "error_description": "no"})
    assert (failed["status"], failed["error_code"], failed["error_reason"]) == (
        "failed",
        "BAD_REQUEST_ERROR",
        "card_declined",
    )
    assert rzp.payment(PAYMENT)["created_at"] == 1767225600
    assert "card" not in rzp.payment(PAYMENT)
    card = rzp.payment({**PAYMENT, "method": "card", "vpa": None, "card_network": "visa", "card_last4": "1111"})
    assert card["card"]["network"] == "Visa" and card["card"]["last4"] == "1111" and card["card"]["id"] is None


def test_an_order_is_paid_only_by_a_captured_payment():
    order = {
        "id": "order_A",
        "amount": 5000,
        "currency": "INR",
        "receipt": None,
        "notes": {},
        "created_at": PAYMENT["created_at"],
    }
    assert rzp.order(order, [])["status"] == "created"
    attempted = rzp.order(order, [PAYMENT, {**PAYMENT, "status": "failed"}])
    assert (attempted["status"], attempted["attempts"], attempted["amount_paid"]) == ("attempted", 2, 0)
    paid = rzp.order(order, [{**PAYMENT, "captured": True}])
    assert (paid["status"], paid["amount_paid"], paid["amount_due"]) == ("paid", 5000, 0)


def test_errors_take_razorpays_shape_codes_and_statuses():
    status, body = rzp.error(
        404, {"error": {"code": "NOT_FOUND_ERROR", "description": "Order not found", "field": "id"}}
    )
    assert status == 400 and body["error"]["description"] == "The id provided does not exist"
    assert body["error"]["code"] == "BAD_REQUEST_ERROR"
    assert set(body["error"]) == {"code", "description", "source", "step", "reason", "metadata", "field"}
    status, body = rzp.error(401, {"error": {"code": "AUTHENTICATION_ERROR", "description": "x"}})
    assert (status, body["error"]["code"], body["error"]["description"]) == (
        401,
        "BAD_REQUEST_ERROR",
        "Authentication failed",
    )
    status, body = rzp.error(422, {"error": {"code": "IDEMPOTENCY_KEY_REUSED", "description": "d", "field": "f"}})
    assert (status, body["error"]["code"], body["error"]["field"]) == (422, "BAD_REQUEST_ERROR", "f")
    status, body = rzp.error(500, {"error": {"code": "SERVER_ERROR", "description": "oops"}})
    assert (status, body["error"]["code"]) == (500, "SERVER_ERROR")


def test_webhook_events_exist_only_for_what_razorpay_announces():
    assert rzp.event_names("payment.created", PAYMENT) == ()
    assert rzp.event_names("payment.pending", PAYMENT) == ()
    assert rzp.event_names("payment.success", PAYMENT) == ("payment.authorized",)
    assert rzp.event_names("payment.success", {**PAYMENT, "captured": True}) == (
        "payment.authorized",
        "payment.captured",
        "order.paid",
    )
    assert rzp.event_names("payment.failed", PAYMENT) == ("payment.failed",)
    assert rzp.event_names("webhook.test", PAYMENT) == ()
    assert rzp.event_id("evt_A", "payment.captured") != rzp.event_id("evt_A", "order.paid")
    assert rzp.event_id("evt_A", "order.paid") == rzp.event_id("evt_A", "order.paid")
    body = json.loads(rzp.envelope("payment.authorized", "acc", 7, {"payment": rzp.payment(PAYMENT)}))
    assert body["entity"] == "event" and body["contains"] == ["payment"] and body["created_at"] == 7
    assert body["payload"]["payment"]["entity"]["id"] == "pay_A"
