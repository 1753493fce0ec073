"""Tenant isolation, and secrets and card data kept out of responses, logs and storage."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.api import Api
from tests.support.stack import LOGS

CARD_NUMBER = "5555555555554444"
CVV = "9173"


@pytest.fixture
def two_merchants(gateway, receiver):
    owner = Api(gateway, gateway.new_merchant(receiver.url))
    intruder = Api(gateway)
    return owner, intruder


def test_a_second_merchant_can_never_read_or_change_the_firsts_records(two_merchants, receiver):
    owner, intruder = two_merchants
    payment = owner.paid()
    order_id = payment["order_id"]
    refund = owner.post(f"/api/v1/payments/{payment['id']}/refunds", {"amount": 100}).json()
    receiver.wait_for("payment.success", payment["id"])
    delivery_id = owner.deliveries()[0]["id"]
    forbidden = [
        ("GET", f"/api/v1/orders/{order_id}", None),
        ("GET", f"/api/v1/orders/{order_id}/payments", None),
        ("GET", f"/api/v1/payments/{payment['id']}", None),
        ("POST", f"/api/v1/payments/{payment['id']}/capture", {"amount": payment["amount"]}),
        ("POST", f"/api/v1/payments/{payment['id']}/refunds", {"amount": 100}),
        ("POST", f"/api/v1/payments/{payment['id']}/refund", {"amount": 100}),
        ("GET", f"/api/v1/payments/{payment['id']}/refunds", None),
        ("GET", f"/api/v1/payments/{payment['id']}/refunds/{refund['id']}", None),
        ("GET", f"/api/v1/refunds/{refund['id']}", None),
        ("GET", f"/api/v1/webhooks/{delivery_id}", None),
        ("POST", f"/api/v1/webhooks/{delivery_id}/retry", None),
        ("POST", "/api/v1/payments", {"order_id": order_id, "method": "upi", "vpa": "success@test"}),
    ]
    for method, path, body in forbidden:
        response = intruder.http.request(method, intruder.base + path, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["error"]["code"] == "NOT_FOUND_ERROR"
    for path in ("/api/v1/orders", "/api/v1/payments", "/api/v1/refunds", "/api/v1/webhooks"):
        assert intruder.get(path).json()["total"] == 0, path
    # The intruder's settings are its own: changing them leaves the owner's alone.
    intruder.set_webhook("https://intruder.example/hook")
    intruder.post("/api/v1/merchant/webhook/secret")
    assert owner.get("/api/v1/merchant").json()["webhook_url"] == receiver.url
    assert owner.get("/api/v1/merchant/credentials").json()["webhook_secret"] == owner.merchant.webhook_secret
    assert owner.payment(payment["id"])["captured"] is False and owner.payment(payment["id"])["amount_refunded"] == 100
    public = requests.get(
        f"{owner.base}/api/v1/payments/{payment['id']}/public", params={"key": intruder.merchant.api_key}
    )
    assert public.status_code == 404


def _scan_tables(stage: str) -> str:
    from chalicelib.aws import client

    dynamodb = client("dynamodb")
    dump = []
    # Paginated: ListTables answers at most 100 names, and the session's database holds every stage's.
    names = [name for page in dynamodb.get_paginator("list_tables").paginate() for name in page["TableNames"]]
    for name in names:
        if name.startswith(f"paygw-{stage}-"):
            for page in dynamodb.get_paginator("scan").paginate(TableName=name):
                dump.append(json.dumps(page["Items"]))
    return "\n".join(dump)


def test_secrets_card_numbers_and_cvvs_never_appear_in_responses_logs_or_storage(make_gateway, receiver, aws):
    stack = make_gateway(API_ACCESS_LOG="1", POWERTOOLS_LOG_LEVEL="DEBUG")
    api = Api(stack, stack.new_merchant(receiver.url))
    secrets = {api.merchant.api_secret, api.merchant.webhook_secret, api.merchant.password}
    bodies: list[str] = []

    def keep(response):
        bodies.append(response.text)
        return response

    card = {"number": CARD_NUMBER, "expiry_month": 11, "expiry_year": 2035, "cvv": CVV, "holder_name": "Card Holder"}
    order = keep(api.post("/api/v1/orders", {"amount": 7000})).json()
    payment = keep(
        api.post(
            "/api/v1/payments",
            {"order_id": order["id"], "method": "card", "card": card},
            headers={"Idempotency-Key": "secret-scan"},
        )
    ).json()
    keep(
        api.post(
            "/api/v1/payments",
            {"order_id": order["id"], "method": "card", "card": card},
            headers={"Idempotency-Key": "secret-scan"},
        )
    )
    keep(
        api.post(
            "/api/v1/payments",
            {"order_id": order["id"], "method": "card", "card": {**card, "number": CARD_NUMBER[:-1] + "5"}},
        )
    )  # fails Luhn
    keep(api.post("/api/v1/payments", {"order_id": order["id"], "method": "card", "card": {**card, "cvv": CVV + "x"}}))
    keep(
        requests.post(
            f"{stack.api_url}/api/v1/payments/public",
            json={"key": api.merchant.api_key, "order_id": api.order()["id"], "method": "card", "card": card},
        )
    )
    final = api.wait_final(payment["id"])
    keep(api.post(f"/api/v1/payments/{payment['id']}/refunds", {"amount": 100}))
    receiver.wait_for("refund.created")
    login = keep(
        requests.post(
            f"{stack.api_url}/api/v1/dashboard/login",
            json={"email": api.merchant.email, "password": api.merchant.password},
        )
    )
    bearer = {"Authorization": "Bearer " + login.json()["token"]}
    for path in (
        "/api/v1/merchant",
        "/api/v1/orders",
        "/api/v1/payments",
        "/api/v1/refunds",
        "/api/v1/webhooks",
        f"/api/v1/payments/{payment['id']}",
        "/api/v1/payments/stats",
        "/api/v1/test/merchant",
        "/api/v1/test/jobs/status",
        f"/api/v1/webhooks/{api.deliveries()[0]['id']}",
    ):
        keep(api.get(path))
        keep(requests.get(stack.api_url + path, headers=bearer))
    keep(
        requests.post(
            f"{stack.api_url}/api/v1/dashboard/login",
            json={"email": api.merchant.email, "password": "wrong-" + api.merchant.password},
        )
    )
    keep(api.get("/api/v1/orders", headers={"X-Api-Secret": "wrong"}))
    assert final["card_last4"] == "4444"

    responses = "\n".join(bodies)
    logs = "\n".join(path.read_text(errors="replace") for path in LOGS.glob(f"{stack.stage}-*.log"))
    stored = _scan_tables(stack.stage)
    assert stored, "the table scan found nothing"
    assert logs, "the stage's logs are empty"
    for place, text in (("responses", responses), ("logs", logs), ("stored items", stored)):
        assert CARD_NUMBER not in text, place
        assert f'"{CVV}"' not in text and f"cvv={CVV}" not in text, place
        for secret in secrets:
            assert secret not in text, place
    received = "\n".join(r.body.decode() for r in receiver.events())
    assert CARD_NUMBER not in received and CVV not in received
    # The one place a secret is shown: the reveal endpoint, to its owner.
    assert api.get("/api/v1/merchant/credentials").json()["api_secret"] == api.merchant.api_secret


def test_the_webhook_timestamp_tolerance_is_documented():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    assert "5 minutes" in docs and "webhook-timestamp" in docs
