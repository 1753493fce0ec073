"""Razorpay's /v1 API through the official `razorpay` client, unchanged but for base_url.

Written from Razorpay's public documentation only:
- https://razorpay.com/docs/api/orders/entity (order fields: entity, amount_paid, amount_due, attempts, Unix created_at)
- https://razorpay.com/docs/api/orders/fetch-with-id (400 BAD_REQUEST_ERROR "The id provided does not exist")
- https://razorpay.com/docs/payments/orders (order states created / attempted / paid: paid once captured)
- https://razorpay.com/docs/api/payments/entity (payment fields; statuses created/authorized/captured/refunded/failed)
- https://razorpay.com/docs/sg/api/payments/capture (capture an authorized payment; others refused)
- https://razorpay.com/docs/api/refunds/ and /docs/api/refunds/entity (refunds only of captured payments;
  speed_requested / speed_processed; notes; collection of refunds)
- https://razorpay.com/docs/payments/payment-gateway/rainy-day/errors (error object: code, description,
  field, source, step, reason, metadata)
- https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/collect
  (server-to-server UPI payment, answered with razorpay_payment_id, then polled)
The only gateway-specific inputs are its sandbox's test VPA (success@test, failure@test), which
decide a payment's outcome, and the base_url.
"""

from __future__ import annotations

import time

import pytest
import razorpay
import requests

from tests.support.waiting import eventually

ORDER_FIELDS = {
    "id", "entity", "amount", "amount_paid", "amount_due", "currency", "receipt", "offer_id",
    "status", "attempts", "notes", "created_at",
}  # fmt: skip
PAYMENT_FIELDS = {
    "id", "entity", "amount", "currency", "status", "order_id", "invoice_id", "international", "method",
    "amount_refunded", "refund_status", "captured", "description", "card_id", "bank", "wallet", "vpa",
    "email", "contact", "notes", "fee", "tax", "error_code", "error_description", "error_source",
    "error_step", "error_reason", "acquirer_data", "created_at",
}  # fmt: skip
REFUND_FIELDS = {
    "id", "entity", "amount", "currency", "payment_id", "notes", "receipt", "acquirer_data",
    "created_at", "batch_id", "status", "speed_processed", "speed_requested",
}  # fmt: skip
ERROR_FIELDS = {"code", "description", "source", "step", "reason", "metadata", "field"}


@pytest.fixture
def client(gateway) -> razorpay.Client:
    merchant = gateway.new_merchant()
    return razorpay.Client(auth=(merchant.api_key, merchant.api_secret), base_url=gateway.api_url)


def pay_upi(client: razorpay.Client, order: dict, vpa: str = "success@test") -> str:
    created = client.payment.createUpi(
        {
            "amount": order["amount"],
            "currency": order["currency"],
            "order_id": order["id"],
            "email": "gaurav.kumar@example.com",
            "contact": "9000090000",
            "method": "upi",
            "upi": {"flow": "collect", "vpa": vpa, "expiry_time": 5},
        }
    )
    return created["razorpay_payment_id"]


def settled(client: razorpay.Client, payment_id: str) -> dict:
    """Poll the payment until it leaves `created`, as Razorpay's S2S UPI guide says to."""
    return eventually(
        lambda: (p := client.payment.fetch(payment_id))["status"] != "created" and p,
        timeout=20,
        message=f"{payment_id} to leave created",
    )


def test_an_order_is_razorpays_entity_and_is_listed(client):
    before = int(time.time())
    order = client.order.create({"amount": 50000, "currency": "INR", "receipt": "Receipt #20", "notes": {"k": "v"}})
    assert set(order) == ORDER_FIELDS
    assert order["entity"] == "order" and order["id"].startswith("order_")
    assert (order["amount"], order["amount_paid"], order["amount_due"]) == (50000, 0, 50000)
    assert order["status"] == "created" and order["attempts"] == 0
    assert order["notes"] == {"k": "v"} and order["receipt"] == "Receipt #20"
    assert isinstance(order["created_at"], int) and before - 1 <= order["created_at"] <= time.time() + 1
    assert client.order.fetch(order["id"]) == order
    listed = client.order.all({"count": 1})
    assert listed["entity"] == "collection" and listed["count"] == 1 and listed["items"] == [order]


def test_an_authorized_payment_is_captured_and_its_order_paid(client):
    order = client.order.create({"amount": 50000, "currency": "INR"})
    payment_id = pay_upi(client, order)
    payment = settled(client, payment_id)
    assert set(payment) == PAYMENT_FIELDS
    assert payment["entity"] == "payment" and payment["status"] == "authorized" and payment["captured"] is False
    assert payment["order_id"] == order["id"] and payment["method"] == "upi" and payment["vpa"] == "success@test"
    assert isinstance(payment["created_at"], int)
    attempted = client.order.fetch(order["id"])
    assert attempted["status"] == "attempted" and attempted["attempts"] == 1 and attempted["amount_paid"] == 0
    payments = client.order.payments(order["id"])
    assert payments["entity"] == "collection" and [p["id"] for p in payments["items"]] == [payment_id]

    captured = client.payment.capture(payment_id, 50000, {"currency": "INR"})
    assert captured["status"] == "captured" and captured["captured"] is True
    paid = client.order.fetch(order["id"])
    assert (paid["status"], paid["amount_paid"], paid["amount_due"]) == ("paid", 50000, 0)
    with pytest.raises(razorpay.errors.BadRequestError):
        client.payment.capture(payment_id, 50000)


def test_payment_capture_on_the_order_captures_its_payment(client):
    order = client.order.create({"amount": 20000, "currency": "INR", "payment_capture": 1})
    payment = settled(client, pay_upi(client, order))
    assert payment["status"] == "captured" and payment["captured"] is True
    assert client.order.fetch(order["id"])["status"] == "paid"


def test_a_failed_payment_carries_razorpays_error_fields(client):
    order = client.order.create({"amount": 10000, "currency": "INR"})
    payment = settled(client, pay_upi(client, order, vpa="failure@test"))
    assert payment["status"] == "failed" and payment["captured"] is False
    assert payment["error_code"] == "BAD_REQUEST_ERROR" and payment["error_description"]
    assert payment["error_source"] and payment["error_step"] and payment["error_reason"]


def test_payments_are_listed_by_time_with_count_and_skip(client):
    first = client.order.create({"amount": 10000, "currency": "INR"})
    first_id = pay_upi(client, first)
    second = client.order.create({"amount": 10000, "currency": "INR"})
    second_id = pay_upi(client, second)
    everything = client.payment.all({"from": int(time.time()) - 60, "to": int(time.time()) + 60, "count": 100})
    assert everything["entity"] == "collection" and everything["count"] == len(everything["items"])
    assert [p["id"] for p in everything["items"]][:2] == [second_id, first_id]  # newest first
    assert [p["id"] for p in client.payment.all({"count": 1, "skip": 1})["items"]] == [first_id]
    assert client.payment.all({"to": int(time.time()) - 3600})["items"] == []


def test_refunds_only_of_captured_payments_and_no_amount_refunds_the_rest(client):
    order = client.order.create({"amount": 30000, "currency": "INR"})
    payment_id = pay_upi(client, order)
    settled(client, payment_id)
    with pytest.raises(razorpay.errors.BadRequestError):
        client.payment.refund(payment_id, {"amount": 1000})  # authorized, not captured
    client.payment.capture(payment_id, 30000)

    partial = client.payment.refund(payment_id, {"amount": 10000, "speed": "optimum", "notes": {"why": "late"}})
    assert set(partial) == REFUND_FIELDS
    assert partial["entity"] == "refund" and partial["amount"] == 10000 and partial["payment_id"] == payment_id
    assert partial["speed_requested"] == "optimum" and partial["notes"] == {"why": "late"}
    assert isinstance(partial["created_at"], int)
    rest = client.refund.create({"payment_id": payment_id})
    assert rest["amount"] == 20000 and rest["speed_requested"] == "normal"
    refunded = client.payment.fetch(payment_id)
    assert (refunded["status"], refunded["amount_refunded"], refunded["refund_status"]) == ("refunded", 30000, "full")
    with pytest.raises(razorpay.errors.BadRequestError):
        client.payment.refund(payment_id, {"amount": 100})

    listed = client.payment.fetch_multiple_refund(payment_id)
    assert listed["entity"] == "collection" and {r["id"] for r in listed["items"]} == {partial["id"], rest["id"]}
    assert client.payment.fetch_refund_id(payment_id, partial["id"])["id"] == partial["id"]
    assert client.refund.fetch(rest["id"])["payment_id"] == payment_id
    assert rest["id"] in [r["id"] for r in client.refund.all({"count": 10})["items"]]
    processed = eventually(lambda: (r := client.refund.fetch(partial["id"]))["status"] == "processed" and r, timeout=20)
    assert processed["speed_processed"] == "normal"


def test_a_missing_id_is_razorpays_bad_request(client, gateway):
    for call in (
        lambda: client.order.fetch("order_DoesNotExist01"),
        lambda: client.payment.fetch("pay_DoesNotExist0001"),
        lambda: client.refund.fetch("rfnd_DoesNotExist001"),
    ):
        with pytest.raises(razorpay.errors.BadRequestError, match="^The id provided does not exist$"):
            call()
    answer = requests.get(gateway.api_url + "/v1/orders/order_DoesNotExist01", auth=client.auth, timeout=10)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert set(error) == ERROR_FIELDS
    assert error["code"] == "BAD_REQUEST_ERROR" and error["description"] == "The id provided does not exist"


def test_bad_credentials_are_401(gateway, client):
    wrong = razorpay.Client(auth=(client.auth[0], "not-the-secret"), base_url=gateway.api_url)
    with pytest.raises(razorpay.errors.BadRequestError, match="Authentication failed"):
        wrong.order.all()
    answer = requests.get(gateway.api_url + "/v1/orders", auth=(client.auth[0], "nope"), timeout=10)
    assert answer.status_code == 401 and set(answer.json()["error"]) == ERROR_FIELDS


def test_invalid_input_names_its_field(client, gateway):
    answer = requests.post(
        gateway.api_url + "/v1/orders", json={"amount": 50, "currency": "INR"}, auth=client.auth, timeout=10
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and error["field"] == "amount"
    assert (error["source"], error["step"], error["reason"]) == (
        "business",
        "payment_initiation",
        "input_validation_failed",
    )


def test_notes_of_payments_and_refunds_are_edited(client):
    """https://razorpay.com/docs/api/payments/update and https://razorpay.com/docs/api/refunds/update:
    PATCH with `notes` replaces them and answers the entity."""
    order = client.order.create({"amount": 10000, "currency": "INR", "payment_capture": True})
    payment_id = settled(client, pay_upi(client, order))["id"]
    edited = client.payment.edit(payment_id, {"notes": {"key1": "value1", "key2": "value2"}})
    assert edited["id"] == payment_id and edited["notes"] == {"key1": "value1", "key2": "value2"}
    assert client.payment.fetch(payment_id)["notes"] == {"key1": "value1", "key2": "value2"}
    refund = client.payment.refund(payment_id, {"amount": 100})
    noted = client.refund.edit(refund["id"], {"notes": {"notes_key_1": "Beam me up Scotty."}})
    assert noted["id"] == refund["id"] and noted["notes"] == {"notes_key_1": "Beam me up Scotty."}
    with pytest.raises(razorpay.errors.BadRequestError, match="^The id provided does not exist$"):
        client.refund.edit("rfnd_DoesNotExist001", {"notes": {"a": "b"}})
