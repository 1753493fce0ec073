"""Razorpay-format webhooks, received by a loopback receiver and verified with the official client.

Written from Razorpay's public documentation only:
- https://razorpay.com/docs/webhooks/payloads/payments (payment.authorized, payment.captured,
  payment.failed, order.paid; envelope entity/account_id/event/contains/payload/created_at;
  order.paid and payment.captured fire once the payment is captured)
- https://razorpay.com/docs/webhooks/payloads/refunds (refund.created, refund.processed; the
  payload contains the refund and its payment)
- https://razorpay.com/docs/webhooks/validate-test (X-Razorpay-Signature: HMAC-SHA256 hex of the raw
  body with the webhook secret; X-Razorpay-Event-Id for de-duplication;
  utility.verify_webhook_signature(body, signature, secret))
Gateway-specific: registering the endpoint (POST /api/v1/webhook-endpoints with format
"razorpay", which answers its secret) and the sandbox's test VPA.
"""

from __future__ import annotations

import razorpay

from tests.support.api import Api

from .test_orders_payments_refunds import pay_upi, settled


def razorpay_events(receiver, entity_id: str | None = None) -> list:
    found = []
    for received in receiver.events():
        body = received.json
        if body.get("entity") != "event":
            continue
        entities = [item["entity"]["id"] for item in body["payload"].values()]
        if entity_id is None or entity_id in entities:
            found.append(received)
    return found


def wait_events(receiver, entity_id: str, names: set[str]) -> dict:
    from tests.support.waiting import eventually

    return eventually(
        lambda: (seen := {r.json["event"]: r for r in razorpay_events(receiver, entity_id)}).keys() >= names and seen,
        timeout=30,
        message=f"{sorted(names)} for {entity_id}",
    )


def test_razorpay_format_endpoint_receives_verifiable_razorpay_events(gateway, receiver):
    from tests.support.receiver import Receiver

    api = Api(gateway)
    client = razorpay.Client(auth=(api.merchant.api_key, api.merchant.api_secret), base_url=gateway.api_url)
    created = api.post("/api/v1/webhook-endpoints", {"url": receiver.url, "format": "razorpay"})
    assert created.status_code == 201, created.text
    assert created.json()["format"] == "razorpay"
    secret = created.json()["secret"]
    gateway_side = Receiver()
    try:
        api.set_webhook(gateway_side.url)
        order = client.order.create({"amount": 40000, "currency": "INR", "payment_capture": True})
        payment_id = pay_upi(client, order)
        settled(client, payment_id)
        seen = wait_events(receiver, payment_id, {"payment.authorized", "payment.captured", "order.paid"})

        refund = client.payment.refund(payment_id, {"amount": 15000})
        seen.update(wait_events(receiver, refund["id"], {"refund.created", "refund.processed"}))
        manual = client.order.create({"amount": 9000, "currency": "INR"})
        manual_id = pay_upi(client, manual)
        wait_events(receiver, manual_id, {"payment.authorized"})
        client.payment.capture(manual_id, 9000)
        by_capture = wait_events(receiver, manual_id, {"payment.authorized", "payment.captured", "order.paid"})
        for received in by_capture.values():
            assert client.utility.verify_webhook_signature(
                received.body.decode(), received.headers["X-Razorpay-Signature"], secret
            )
        assert by_capture["order.paid"].json["payload"]["order"]["entity"]["amount_paid"] == 9000
        assert by_capture["payment.captured"].json["payload"]["payment"]["entity"]["captured"] is True
        declined = client.order.create({"amount": 12000, "currency": "INR"})
        failed_id = pay_upi(client, declined, vpa="failure@test")
        seen.update(wait_events(receiver, failed_id, {"payment.failed"}))

        for name, received in seen.items():
            body = received.body.decode()
            signature = received.headers["X-Razorpay-Signature"]
            assert client.utility.verify_webhook_signature(body, signature, secret) is True
            assert received.headers["X-Razorpay-Event-Id"]
            envelope = received.json
            assert envelope["entity"] == "event" and envelope["event"] == name
            assert envelope["account_id"] and isinstance(envelope["created_at"], int)
            assert envelope["contains"] == list(envelope["payload"])
        authorized = seen["payment.authorized"].json["payload"]["payment"]["entity"]
        assert authorized["id"] == payment_id and authorized["entity"] == "payment"
        assert seen["payment.captured"].json["payload"]["payment"]["entity"]["status"] == "captured"
        paid = seen["order.paid"].json
        assert set(paid["contains"]) == {"payment", "order"}
        assert paid["payload"]["order"]["entity"]["status"] == "paid"
        failed = seen["payment.failed"].json["payload"]["payment"]["entity"]
        assert failed["status"] == "failed" and failed["error_code"] == "BAD_REQUEST_ERROR"
        processed = seen["refund.processed"].json["payload"]
        assert (
            processed["refund"]["entity"]["id"] == refund["id"]
            and processed["refund"]["entity"]["status"] == "processed"
        )
        assert processed["payment"]["entity"]["id"] == payment_id
        ids = {received.headers["X-Razorpay-Event-Id"] for received in seen.values()}
        assert len(ids) == len(seen)
        # A tampered body does not verify.
        body = seen["order.paid"].body.decode().replace("40000", "40001")
        try:
            client.utility.verify_webhook_signature(body, seen["order.paid"].headers["X-Razorpay-Signature"], secret)
            raise AssertionError("a tampered body must not verify")
        except razorpay.errors.SignatureVerificationError:
            pass

        # The gateway-format subscriber got the gateway's events, none of Razorpay's names.
        gateway_side.wait_for("payment.success", payment_id)
        gateway_side.wait_for("refund.processed", refund["id"])
        names = {received.json["event"] for received in gateway_side.events()}
        assert not names & {"payment.authorized", "payment.captured", "order.paid"}
        assert all("X-Razorpay-Signature" not in received.headers for received in gateway_side.events())
    finally:
        gateway_side.stop()


def test_the_format_is_validated_and_kept_per_endpoint(gateway, receiver):
    api = Api(gateway)
    refused = api.post("/api/v1/webhook-endpoints", {"url": receiver.url, "format": "stripe"})
    assert refused.status_code == 400
    wrong_names = api.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url, "format": "razorpay", "events": ["payment.success"]}
    )
    assert wrong_names.status_code == 400 and wrong_names.json()["error"]["field"] == "events"
    plain = api.post("/api/v1/webhook-endpoints", {"url": receiver.url}).json()
    assert plain["format"] == "gateway"
    changed = api.http.patch(
        f"{api.base}/api/v1/webhook-endpoints/{plain['id']}", json={"format": "razorpay", "events": ["order.paid"]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["format"] == "razorpay" and changed.json()["events"] == ["order.paid"]
    default = next(e for e in api.get("/api/v1/webhook-endpoints").json()["items"] if e["is_default"])
    refused_default = api.http.patch(
        f"{api.base}/api/v1/webhook-endpoints/{default['id']}", json={"format": "razorpay"}
    )
    assert refused_default.status_code == 400
