"""A retry that finds an entity already created under its key (ids derive from the merchant and
the key) answers that entity only when the request is the same one; another request under the
same key is refused with IDEMPOTENCY_KEY_REUSED, never answered with the first one's entity."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import IdempotencyKeyReused
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import orders, payments, refunds
from chalicelib.services.payments import PaymentRequest

from .conftest import ACTOR, Fakes, new_order


def upi(order_id: str, vpa: str = "someone@bank") -> PaymentRequest:
    return PaymentRequest(order_id, "upi", vpa=vpa)


def card(order_id: str, mac: str, last4: str = "4242") -> PaymentRequest:
    return PaymentRequest(order_id, "card", card_network="visa", card_last4=last4, card_mac=mac)


def test_a_payment_retry_for_another_order_is_refused(fakes: Fakes) -> None:
    first = payments.create("m1", upi(new_order()), "k-1")
    with pytest.raises(IdempotencyKeyReused):
        payments.create("m1", upi(new_order(amount=100)), "k-1")
    assert fakes.store.payments.get(first.id) == first  # untouched


def test_a_payment_retry_with_another_method_or_instrument_is_refused(fakes: Fakes) -> None:
    order_id = new_order()
    payments.create("m1", upi(order_id), "k-1")
    with pytest.raises(IdempotencyKeyReused):
        payments.create("m1", card(order_id, "mac-a"), "k-1")
    with pytest.raises(IdempotencyKeyReused):
        payments.create("m1", upi(order_id, vpa="other@bank"), "k-1")


def test_a_card_payment_retry_with_another_card_of_the_same_last4_is_refused(fakes: Fakes) -> None:
    order_id = new_order()
    first = payments.create("m1", card(order_id, "mac-a"), "k-1")
    assert payments.create("m1", card(order_id, "mac-a"), "k-1").id == first.id
    with pytest.raises(IdempotencyKeyReused):
        payments.create("m1", card(order_id, "mac-b"), "k-1")


def test_the_same_payment_retried_after_its_order_was_paid_returns_the_payment(fakes: Fakes) -> None:
    order_id = new_order()
    first = payments.create("m1", upi(order_id), "k-1")
    assert payments.process(first.id, 0) == Finished("success")
    again = payments.create("m1", upi(order_id), "k-1")
    assert again.id == first.id and again.status == "success"


def paid_payment(amount: int = 50000) -> str:
    payment = payments.create("m1", upi(new_order(amount=amount)))
    assert payments.process(payment.id, 0) == Finished("success")
    return payment.id


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 20000},
        {"reason": "another reason"},
        {"payment": "another"},
        {"notes": {"why": "changed"}},
    ],
)
def test_a_refund_retry_with_another_amount_reason_or_payment_is_refused(fakes: Fakes, change: dict) -> None:
    payment_id = paid_payment()
    other_payment = paid_payment()
    first = refunds.create("m1", payment_id, 10000, "asked", idempotency_key="k-1", actor=ACTOR)
    retry = {"payment_id": payment_id, "amount": 10000, "reason": "asked", "notes": None}
    if "payment" in change:
        retry["payment_id"] = other_payment
    retry.update({k: v for k, v in change.items() if k != "payment"})
    with pytest.raises(IdempotencyKeyReused):
        refunds.create("m1", retry["payment_id"], retry["amount"], retry["reason"], "k-1", retry["notes"], actor=ACTOR)
    stored = fakes.store.payments.get(payment_id)
    assert stored is not None and stored.amount_refunded == 10000
    assert refunds.create("m1", payment_id, 10000, "asked", idempotency_key="k-1", actor=ACTOR) == first


def test_the_same_full_refund_retried_after_it_committed_returns_the_refund(fakes: Fakes) -> None:
    payment_id = paid_payment()
    first = refunds.create("m1", payment_id, 50000, None, idempotency_key="k-1", actor=ACTOR)
    # Fully refunded now: without the key this would be refused; with it, it is the same refund.
    assert refunds.create("m1", payment_id, 50000, None, idempotency_key="k-1", actor=ACTOR) == first


def test_an_order_retry_with_another_amount_is_refused(fakes: Fakes) -> None:
    first = orders.create("m1", 50000, "INR", "r-1", {}, order_id="order_fromkey0000001")
    assert orders.create("m1", 50000, "INR", "r-1", {}, order_id="order_fromkey0000001") == first
    for amount, currency, receipt, notes in (
        (40000, "INR", "r-1", {}),
        (50000, "USD", "r-1", {}),
        (50000, "INR", "r-2", {}),
        (50000, "INR", "r-1", {"a": "b"}),
    ):
        with pytest.raises(IdempotencyKeyReused):
            orders.create("m1", amount, currency, receipt, notes, order_id="order_fromkey0000001")
