"""The demo shop's server verifies the checkout's razorpay_signature before the page shows a
success (infra/local/checkout_server.py, POST /demo/verify), as a Razorpay merchant's server does."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.razorpay_signatures import payment_signature
from infra.local.checkout_server import CheckoutConfig, demo_verify
from infra.local.static_server import Request

CONFIG = CheckoutConfig(api_url="http://127.0.0.1:8000", demo_key="key_demo", demo_secret="secret_demo", port=0)
ORDER, PAYMENT = "order_9A8b7C6d5E4f3G2h", "pay_1A2b3C4d5E6f7G8h"


def verify(payload: object, content_type: str = "application/json", method: str = "POST") -> tuple[int, dict]:
    body = json.dumps(payload).encode()
    status, _, answer = demo_verify(CONFIG, Request(method, "/demo/verify", {}, {"content-type": content_type}, body))
    return status, json.loads(answer) if answer.startswith(b"{") else {}


def result(signature: str, order_id: str = ORDER, payment_id: str = PAYMENT) -> dict:
    return {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature}


def test_a_signature_made_with_the_shops_secret_is_verified():
    status, answer = verify(result(payment_signature(ORDER, PAYMENT, "secret_demo")))
    assert status == 200 and answer == {"verified": True, "order_id": ORDER, "payment_id": PAYMENT}


@pytest.mark.parametrize(
    "payload",
    [
        result(payment_signature(ORDER, PAYMENT, "secret_other")),  # another merchant's
        result(payment_signature(ORDER, PAYMENT, "secret_demo"), payment_id="pay_0000000000000000"),
        result("0" * 64),
        {"razorpay_order_id": ORDER, "razorpay_payment_id": PAYMENT},  # no signature: not a payment
        {},
        [],
    ],
)
def test_anything_else_is_refused(payload):
    status, answer = verify(payload)
    assert status == 400 and answer["error"]["code"] in ("SIGNATURE_VERIFICATION_FAILED", "BAD_REQUEST_ERROR")


def test_only_a_json_post_is_taken():
    assert verify({}, content_type="text/plain")[0] == 415
    assert verify({}, method="GET")[0] == 405
