"""The Razorpay-style success result of the checkout: a successful payment's ids and their
signature (domain/razorpay_signatures.py), for the merchant's server to verify.

Signed with the merchant's current API secret, unsealed here (vault.py: the current secret is
kept sealed, so the gateway can recover it; a rotated-out one is kept only as a digest, so it can
sign nothing). Only a successful payment is signed: a signature is the merchant's proof that
the buyer paid, so a failed or pending payment must never get one.
"""

from __future__ import annotations

from typing import Any

from .. import vault
from ..domain import payments as payment_rules
from ..domain.errors import BadRequest
from ..domain.razorpay_signatures import payment_signature
from . import merchants, payments


def success_result(merchant_id: str, payment_id: str) -> dict[str, Any]:
    payment = payments.owned(merchant_id, payment_id)
    if payment.status != payment_rules.SUCCESS:
        raise BadRequest(f"Only a successful payment is signed; this payment is {payment.status}", "id")
    # The stored merchant, not the key lookup's cached copy: a secret rotated a moment ago signs.
    secret = vault.unseal(merchants.require(merchant_id).api_secret_sealed)
    return {
        "razorpay_payment_id": payment.id,
        "razorpay_order_id": payment.order_id,
        "razorpay_signature": payment_signature(payment.order_id, payment.id, secret),
    }
