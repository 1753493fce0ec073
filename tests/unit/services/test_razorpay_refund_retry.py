"""Razorpay's refund without an amount takes the rest: its retry under the same Idempotency-Key,
after a first attempt that committed but whose answer was lost, gets that refund, not a 400
"fully refunded" (the rest is 0 by then)."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import BadRequest, IdempotencyKeyReused
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import payments, razorpay_face, refunds
from chalicelib.services.payments import PaymentRequest

from .conftest import ACTOR, Fakes, add_merchant, new_order


def captured(amount: int = 50000) -> str:
    payment = payments.create("m1", PaymentRequest(new_order(amount=amount), "upi", vpa="a@bank"))
    assert payments.process(payment.id, 0) == Finished("success")
    payments.capture("m1", payment.id, amount, actor=ACTOR)
    return payment.id


def test_a_retry_of_a_refund_of_the_rest_answers_the_refund_it_made(fakes: Fakes) -> None:
    add_merchant(fakes)
    payment_id = captured()
    razorpay_face.refund("m1", payment_id, 20000, "normal", None, None, ACTOR)
    first = razorpay_face.refund("m1", payment_id, None, "normal", None, "key-rest", ACTOR)
    assert first["amount"] == 30000
    # The answer was lost; the client sends the same request again.
    again = razorpay_face.refund("m1", payment_id, None, "normal", None, "key-rest", ACTOR)
    assert again["id"] == first["id"] and again["amount"] == 30000
    assert len(refunds.list_for_payment("m1", payment_id, 10, 0, None).items) == 2
    # Without the key, the rest is now nothing: Razorpay's 400.
    with pytest.raises(BadRequest):
        razorpay_face.refund("m1", payment_id, None, "normal", None, None, ACTOR)
    # The key on another payment is not this refund's: a reused key, refused as such.
    other = captured()
    with pytest.raises(IdempotencyKeyReused):
        razorpay_face.refund("m1", other, None, "normal", None, "key-rest", ACTOR)
