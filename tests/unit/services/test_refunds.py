"""Refunds: the limit, parallel refunds, idempotent creation and processing once."""

from __future__ import annotations

import threading

import pytest

from chalicelib import queues
from chalicelib.domain import events
from chalicelib.domain.errors import BadRequest
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import payments, refunds
from chalicelib.services.payments import PaymentRequest
from chalicelib.store.records import PageRequest

from .conftest import ACTOR, Fakes, add_merchant, new_order


def paid_payment(amount: int = 50000) -> str:
    payment = payments.create("m1", PaymentRequest(new_order(amount=amount), "upi", vpa="a@bank"))
    assert payments.process(payment.id, 0) == Finished("success")
    return payment.id


def test_a_refund_reserves_its_amount_and_queues_its_work(fakes: Fakes) -> None:
    add_merchant(fakes)
    payment_id = paid_payment()
    fakes.queues.sent.clear()
    refund = refunds.create("m1", payment_id, 20000, "customer asked", actor=ACTOR)
    assert refund["status"] == "pending" and refund["amount"] == 20000
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.amount_refunded == 20000
    assert fakes.queues.jobs(queues.REFUND_JOBS) == [{"refund_id": refund["id"]}]
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert job["event"] == events.REFUND_CREATED


def test_refunds_stop_at_the_payment_amount(fakes: Fakes) -> None:
    payment_id = paid_payment()
    refunds.create("m1", payment_id, 30000, None, actor=ACTOR)
    with pytest.raises(BadRequest, match="exceeds available amount"):
        refunds.create("m1", payment_id, 20001, None, actor=ACTOR)
    refunds.create("m1", payment_id, 20000, None, actor=ACTOR)
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.amount_refunded == 50000


def test_an_unsuccessful_payment_is_not_refundable(fakes: Fakes) -> None:
    payment = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    with pytest.raises(BadRequest, match="not in refundable state"):
        refunds.create("m1", payment.id, 100, None, actor=ACTOR)


def test_parallel_refunds_never_exceed_the_amount(fakes: Fakes) -> None:
    payment_id = paid_payment()
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def refund() -> None:
        start.wait(timeout=5)
        try:
            refunds.create("m1", payment_id, 15000, None, actor=ACTOR)
            outcomes.append("refunded")
        except BadRequest:
            outcomes.append("refused")

    threads = [threading.Thread(target=refund) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("refunded") == 3
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.amount_refunded == 45000
    assert fakes.store.refunds.list_for_payment(payment_id, PageRequest(10)).total == 3


def test_a_retry_with_the_same_key_finds_the_refund(fakes: Fakes) -> None:
    payment_id = paid_payment()
    first = refunds.create("m1", payment_id, 10000, None, idempotency_key="k-1", actor=ACTOR)
    again = refunds.create("m1", payment_id, 10000, None, idempotency_key="k-1", actor=ACTOR)
    assert again == first
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.amount_refunded == 10000


def test_a_refund_is_processed_once(fakes: Fakes) -> None:
    refund = refunds.create("m1", paid_payment(), 10000, None, actor=ACTOR)
    fakes.queues.sent.clear()
    assert refunds.process(refund["id"], 0) == Finished("processed")
    stored = fakes.store.refunds.get(refund["id"])
    assert stored is not None and stored.status == "processed" and stored.processed_at
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert job["delivery_id"] == events.event_id(refund["id"], events.REFUND_PROCESSED)
    # A redelivery changes nothing; it queues the event again only while its delivery never started.
    assert refunds.process(refund["id"], 5) == Finished("processed")
    again = fakes.store.refunds.get(refund["id"])
    assert again is not None and again.processed_at == stored.processed_at
    assert len(fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)) == 1
    assert len([d for d in fakes.store.tables.deliveries.values() if d.entity_id == refund["id"]]) == 2
