"""The official razorpay Python client against the gateway: orders, payments, capture, refunds."""

from __future__ import annotations

import razorpay

from tests.support.api import Api


def client_for(gateway, merchant) -> razorpay.Client:
    return razorpay.Client(auth=(merchant.api_key, merchant.api_secret), base_url=gateway.api_url + "/api")


def test_orders_and_payments(gateway):
    api = Api(gateway)
    client = client_for(gateway, api.merchant)
    order = client.order.create({"amount": 50000, "currency": "INR", "receipt": "rcpt-7", "notes": {"a": "b"}})
    assert order["amount"] == 50000 and order["receipt"] == "rcpt-7"
    assert client.order.fetch(order["id"]) == order
    assert order["id"] in [o["id"] for o in client.order.all()["data"]]
    assert client.order.all({"count": 1})["limit"] == 1
    payment = api.pay(order=order)
    assert [p["id"] for p in client.order.payments(order["id"])["data"]] == [payment["id"]]
    api.wait_final(payment["id"])
    assert client.payment.fetch(payment["id"])["status"] == "success"
    assert payment["id"] in [p["id"] for p in client.payment.all()["data"]]
    captured = client.payment.capture(payment["id"], 50000)
    assert captured["captured"] is True
    try:
        client.payment.capture(payment["id"], 50000)
        raise AssertionError("a second capture must fail")
    except razorpay.errors.BadRequestError as error:
        assert "capturable" in str(error)


def test_refunds(gateway):
    api = Api(gateway)
    client = client_for(gateway, api.merchant)
    payment = api.paid(amount=8000)
    created = client.payment.refund(payment["id"], {"amount": 3000, "reason": "customer request"})
    assert created["status"] == "pending" and created["amount"] == 3000
    assert [r["id"] for r in client.payment.fetch_multiple_refund(payment["id"])["data"]] == [created["id"]]
    assert client.payment.fetch_refund_id(payment["id"], created["id"])["id"] == created["id"]
    assert client.refund.fetch(created["id"])["payment_id"] == payment["id"]
    try:
        client.payment.refund(payment["id"], {"amount": 5001})
        raise AssertionError("an over-refund must fail")
    except razorpay.errors.BadRequestError as error:
        assert str(error) == "Refund amount exceeds available amount"
