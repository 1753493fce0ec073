"""Webhook endpoints over HTTP on the shared stack: the API's shapes and statuses, and a rotation
verified on real signed deliveries to a loopback receiver with either secret during the overlap."""

from __future__ import annotations

import hashlib
import hmac

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.api import Api
from tests.support.waiting import eventually


def _test_delivery(api: Api, receiver) -> tuple[bytes, dict[str, str]]:
    sent = api.post("/api/v1/merchant/webhook/test")
    assert sent.status_code == 202, sent.text
    event_id = sent.json()["id"]
    try:
        received = eventually(
            lambda: next((r for r in receiver.events("webhook.test") if r.headers.get("webhook-id") == event_id), None),
            timeout=60,
            message=f"the test delivery {event_id}",
        )
    except AssertionError:
        raise AssertionError(api.get(f"/api/v1/webhooks/{event_id}").text) from None
    return received.body, received.headers


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def _hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_endpoints_are_managed_over_http(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    listed = api.get("/api/v1/webhook-endpoints").json()
    [default] = listed["items"]
    assert default["is_default"] and default["url"] == receiver.url and default["secret_set"]
    created = api.post(
        "/api/v1/webhook-endpoints", {"url": receiver.url + "?n=2", "events": ["refund.created"], "description": "b"}
    )
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["secret"].startswith("whsec_") and made["events"] == ["refund.created"]
    one = f"/api/v1/webhook-endpoints/{made['id']}"
    assert "secret" not in api.get(one).json()
    patched = api.http.patch(api.base + one, json={"enabled": False})
    assert patched.status_code == 200 and patched.json()["disabled_reason"] == "disabled_by_merchant"
    again = api.http.patch(api.base + one, json={"enabled": True}).json()
    assert again["enabled"] and again["missed_since"] == patched.json()["disabled_at"]
    bad = api.post("/api/v1/webhook-endpoints", {"url": "https://example.test/x", "events": ["nope"]})
    assert bad.status_code == 400 and bad.json()["error"]["field"].startswith("events")
    other = Api(gateway, gateway.new_merchant())
    assert other.get(one).status_code == 404 and other.http.delete(other.base + one).status_code == 404
    assert api.http.delete(api.base + f"/api/v1/webhook-endpoints/{default['id']}").status_code == 409
    assert api.http.delete(api.base + one).json() == {"id": made["id"], "entity": "webhook_endpoint", "deleted": True}
    assert api.get(one).status_code == 404


def test_a_rotation_verifies_with_either_secret_during_the_overlap_and_the_new_one_after(gateway, receiver):
    merchant = gateway.new_merchant(receiver.url)
    api = Api(gateway, merchant)
    old = merchant.webhook_secret
    [default] = api.get("/api/v1/webhook-endpoints").json()["items"]
    rotate = f"/api/v1/webhook-endpoints/{default['id']}/rotate-secret"
    rotated = api.post(rotate, {"overlap_seconds": 600})
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]

    body, headers = _test_delivery(api, receiver)
    assert _verifies(old, body, headers) and _verifies(new, body, headers)
    assert headers["X-Webhook-Signature"] == _hex(old, body)
    assert headers["X-Webhook-Signature-New"] == _hex(new, body)

    promoted = api.post(f"/api/v1/webhook-endpoints/{default['id']}/promote-secret")
    assert promoted.status_code == 200 and promoted.json()["secret_promoted"] is True
    body, headers = _test_delivery(api, receiver)
    assert headers["X-Webhook-Signature"] == _hex(new, body) and "X-Webhook-Signature-New" not in headers

    # A rotation with no overlap ends the replaced secret at once: only the newest verifies.
    newest = api.post(rotate, {"overlap_seconds": 0}).json()["secret"]
    body, headers = _test_delivery(api, receiver)
    assert _verifies(newest, body, headers) and not _verifies(new, body, headers)
    assert headers["X-Webhook-Signature"] == _hex(newest, body)
