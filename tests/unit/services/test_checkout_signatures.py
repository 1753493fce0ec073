"""The checkout's signed success result: only a successful payment is signed, with the
merchant's current API secret, and Razorpay's client verifies it (on the in-memory Store)."""

from __future__ import annotations

import pytest
import razorpay
from razorpay.errors import SignatureVerificationError

from chalicelib import queues
from chalicelib.domain.errors import BadRequest, NotFound
from chalicelib.services import checkout_signatures, merchants, payments
from chalicelib.services.payments import PaymentRequest

from .conftest import ACTOR, Fakes, new_order

pytestmark = pytest.mark.usefixtures("sealing")


def verified(api_key: str, secret: str, result: dict) -> bool:
    return razorpay.Client(auth=(api_key, secret)).utility.verify_payment_signature(result)


def paid(merchant_id: str, instrument: str) -> str:
    request = PaymentRequest(new_order(merchant_id), "upi", vpa="buyer@bank", instrument=instrument)
    return payments.create(merchant_id, request, None).id


@pytest.fixture
def shop(fakes: Fakes):
    merchant, _, given = merchants.create("Shop", "shop@example.test", "correct horse battery staple")
    assert given is not None
    return merchant, given["api_secret"]


def settle(fakes: Fakes) -> None:
    """The payment function's turn: each queued job processed, as its SQS message would be."""
    for job in fakes.queues.take(queues.PAYMENT_JOBS):
        payments.handle_job(job, 0)


def test_a_successful_payment_is_signed_with_the_current_secret(fakes: Fakes, shop) -> None:
    merchant, secret = shop
    payment_id = paid(merchant.id, "succeed")
    settle(fakes)
    result = checkout_signatures.success_result(merchant.id, payment_id)
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.status == "success"
    assert (result["razorpay_payment_id"], result["razorpay_order_id"]) == (payment.id, payment.order_id)
    assert verified(merchant.api_key, secret, result)

    # After a rotation the new secret signs at once: the merchant's server verifies with the
    # secret it now holds (the rotated-out one is kept only as a digest and can sign nothing).
    new_secret = merchants.rotate_api_secret(merchant.id, None, secret, actor=ACTOR)["api_secret"]
    rotated = checkout_signatures.success_result(merchant.id, payment_id)
    assert verified(merchant.api_key, new_secret, rotated)
    with pytest.raises(SignatureVerificationError):
        verified(merchant.api_key, secret, rotated)


@pytest.mark.parametrize("instrument", ["fail", None])
def test_a_failed_or_pending_payment_gets_no_signature(fakes: Fakes, shop, instrument) -> None:
    merchant, _ = shop
    payment_id = paid(merchant.id, instrument or "succeed")
    if instrument:
        settle(fakes)
    status = fakes.store.payments.get(payment_id).status
    assert status == ("failed" if instrument else "pending")
    with pytest.raises(BadRequest) as refused:
        checkout_signatures.success_result(merchant.id, payment_id)
    assert refused.value.field == "id" and status in refused.value.description


def test_another_merchants_payment_is_not_found(fakes: Fakes, shop) -> None:
    merchant, _ = shop
    other, _, _ = merchants.create("Other", "other@example.test", "correct horse battery staple")
    payment_id = paid(merchant.id, "succeed")
    settle(fakes)
    with pytest.raises(NotFound):
        checkout_signatures.success_result(other.id, payment_id)
