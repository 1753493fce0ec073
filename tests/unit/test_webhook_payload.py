"""The payload bytes and signatures, checked against the tools merchants verify with."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import razorpay
from standardwebhooks.webhooks import Webhook

from chalicelib.domain import events, signing
from chalicelib.services.merchants import new_webhook_secret

ENTITY = {
    "id": "pay_X",
    "amount": 50000,
    "note": 'Café ₹ 😀 \u2028 "quoted" \\ /slash \n tab\t',
    "ok": True,
    "nothing": None,
    "nested": {"list": [1, 2, 3]},
}


def test_payload_is_compact_utf8_json_with_event_timestamp_and_data():
    body = events.encode_payload("payment.success", 1764300000, {"payment": ENTITY})
    assert json.loads(body) == {"event": "payment.success", "timestamp": 1764300000, "data": {"payment": ENTITY}}
    assert ", " not in body and '": ' not in body
    assert "₹" in body and "😀" in body  # not \u-escaped


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_json_stringify_of_the_parsed_body_gives_the_same_bytes():
    body = events.encode_payload("payment.success", 1764300000, {"payment": ENTITY})
    restringified = subprocess.run(
        [
            "node",
            "-e",
            "let s='';process.stdin.on('data',d=>s+=d)"
            ".on('end',()=>process.stdout.write(JSON.stringify(JSON.parse(s))))",
        ],
        input=body.encode(),
        capture_output=True,
        check=True,
    ).stdout
    assert restringified == body.encode()


def test_hex_signature_verifies_with_the_razorpay_client():
    body = events.encode_payload("payment.success", 1764300000, {"payment": ENTITY})
    secret = "whsec_test_abc123"
    headers = signing.signature_headers(secret, "evt_1", 1764300000, body)
    assert razorpay.Client(auth=("k", "s")).utility.verify_webhook_signature(
        body, headers["X-Webhook-Signature"], secret
    )


def test_standard_webhooks_headers_only_for_base64_secrets():
    body = events.encode_payload("payment.success", 1764300000, {"payment": ENTITY})
    generated = new_webhook_secret()
    assert signing.is_standard_secret(generated)
    assert not signing.is_standard_secret("whsec_test_abc123")
    assert not signing.is_standard_secret("plain-secret")
    import time

    now = int(time.time())
    headers = signing.signature_headers(generated, "evt_1", now, body)
    assert headers["webhook-id"] == "evt_1" and headers["webhook-timestamp"] == str(now)
    assert Webhook(generated).verify(body, headers) == json.loads(body)
    plain = signing.signature_headers("whsec_test_abc123", "evt_1", now, body)
    assert "webhook-signature" not in plain and plain["webhook-id"] == "evt_1"
