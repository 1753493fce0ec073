"""Payments: creation (idempotent by a derived id), processing, redelivery, capture."""

from __future__ import annotations

import threading
from dataclasses import asdict, replace

import pytest

from chalicelib import queues
from chalicelib.config import settings
from chalicelib.domain import events
from chalicelib.domain.errors import BadRequest
from chalicelib.jobs.outcomes import Finished, RetryAfter
from chalicelib.services import payments, webhook_events
from chalicelib.services.payments import PaymentRequest
from chalicelib.store.records import PageRequest, Payment

from .conftest import ACTOR, Fakes, add_merchant, new_order

UPI = "upi"


def create(order_id: str, key: str | None = None, instrument: str | None = None) -> str:
    request = PaymentRequest(order_id, UPI, vpa="someone@bank", instrument=instrument)
    return payments.create("m1", request, key).id


def test_create_writes_a_pending_payment_its_events_and_its_job(fakes: Fakes) -> None:
    add_merchant(fakes)
    payment_id = create(new_order())
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.status == "pending" and payment.amount == 50000
    # No delay: one message carries the payment and the two events to queue first.
    [job] = fakes.queues.take(queues.PAYMENT_JOBS)
    assert job == {
        "payment_id": payment_id,
        "payment": asdict(payment),
        "deliveries": [
            webhook_events.job(delivery, 0)
            for delivery in (
                fakes.store.deliveries.get(events.event_id(payment_id, kind))
                for kind in (events.PAYMENT_CREATED, events.PAYMENT_PENDING)
            )
            if delivery is not None
        ],
    }
    assert len(job["deliveries"]) == 2
    assert fakes.queues.jobs(queues.WEBHOOK_DELIVERIES) == []  # the payment function queues them
    assert payments.handle_job(job, 0) == Finished("success")
    dispatched = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert [job["event"] for job in dispatched] == [
        events.PAYMENT_CREATED,
        events.PAYMENT_PENDING,
        events.PAYMENT_SUCCESS,
    ]


def test_with_a_delay_the_events_go_first_and_the_job_when_the_bank_answers(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_PROCESSING_DELAY", "5000")
    settings.cache_clear()
    payment_id = create(new_order())
    announcement, job = fakes.queues.sent
    assert announcement.queue == job.queue == queues.PAYMENT_JOBS
    assert announcement.delay_seconds == 0 and announcement.job["announce"] is True
    assert [d["event"] for d in announcement.job["deliveries"]] == [events.PAYMENT_CREATED, events.PAYMENT_PENDING]
    assert job.delay_seconds == 5 and "deliveries" not in job.job and job.job["payment"]["id"] == payment_id
    fakes.queues.sent.clear()
    # The announcement only queues the events: the payment stays pending.
    assert payments.handle_job(announcement.job, 0) == Finished("announced")
    assert len(fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)) == 2
    stored = fakes.store.payments.get(payment_id)
    assert stored is not None and stored.status == "pending"


def test_a_retry_with_the_same_key_finds_the_payment_and_finishes_its_steps(fakes: Fakes) -> None:
    order_id = new_order()
    first = create(order_id, key="k-1")
    fakes.queues.sent.clear()
    again = create(order_id, key="k-1")
    assert again == first
    assert fakes.store.payments.list_for_order(order_id, PageRequest(10)).total == 1
    # The retry cannot know whether the first try queued its work: it queues what never started.
    [job] = fakes.queues.jobs(queues.PAYMENT_JOBS)
    assert job["payment_id"] == first and "deliveries" not in job
    assert len(fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)) == 2


def test_a_retry_does_not_queue_events_whose_delivery_started(fakes: Fakes) -> None:
    order_id = new_order()
    first = create(order_id, key="k-1")
    [message] = fakes.queues.take(queues.PAYMENT_JOBS)
    for job in message["deliveries"]:
        delivery = fakes.store.deliveries.get(job["delivery_id"])
        assert delivery is not None
        fakes.store.tables.deliveries[delivery.id] = replace(delivery, attempts=1)
    assert create(order_id, key="k-1") == first
    assert fakes.queues.jobs(queues.WEBHOOK_DELIVERIES) == []


def test_a_paid_order_takes_no_new_payment(fakes: Fakes) -> None:
    order_id = new_order()
    assert payments.process(create(order_id), 0) == Finished("success")
    with pytest.raises(BadRequest, match="already been paid"):
        create(order_id)


def test_processing_turns_pending_into_success_and_pays_the_order(fakes: Fakes) -> None:
    order_id = new_order()
    payment_id = create(order_id)
    fakes.queues.sent.clear()
    assert payments.process(payment_id, 0) == Finished("success")
    payment, order = fakes.store.payments.get(payment_id), fakes.store.orders.get(order_id)
    assert payment is not None and payment.status == "success"
    assert order is not None and order.status == "paid" and order.paid_at
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert job["delivery_id"] == events.event_id(payment_id, events.PAYMENT_SUCCESS)


def test_processing_can_fail_the_payment(fakes: Fakes) -> None:
    payment_id = create(new_order(), instrument="fail")
    assert payments.process(payment_id, 0) == Finished("failed")
    payment = fakes.store.payments.get(payment_id)
    assert payment is not None and payment.error_code == "PAYMENT_FAILED"


def test_a_second_payment_of_a_paid_order_fails(fakes: Fakes) -> None:
    order_id = new_order()
    first, second = create(order_id), create(order_id)
    assert payments.process(first, 0) == Finished("success")
    assert payments.process(second, 0) == Finished("failed")
    payment = fakes.store.payments.get(second)
    assert payment is not None and payment.error_code == "ORDER_ALREADY_PAID"
    assert fakes.store.deliveries.get(events.event_id(second, events.PAYMENT_FAILED)) is not None


def test_a_redelivery_after_a_crash_finds_the_saved_transition(fakes: Fakes) -> None:
    payment_id = create(new_order())
    assert payments.process(payment_id, 0) == Finished("success")
    fakes.queues.sent.clear()
    # The first run crashed after its transition, before its dispatch reached SQS: queue it again.
    assert payments.process(payment_id, 5) == Finished("success")
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert job["delivery_id"] == events.event_id(payment_id, events.PAYMENT_SUCCESS)
    assert len([d for d in fakes.store.tables.deliveries.values() if d.entity_id == payment_id]) == 3


def test_a_job_waits_for_the_simulated_bank(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PROCESSING_DELAY", "5000")
    from chalicelib.config import settings

    settings.cache_clear()
    payment_id = create(new_order())
    outcome = payments.process(payment_id, 0)
    assert isinstance(outcome, RetryAfter) and 4 <= outcome.seconds <= 5


def test_a_job_for_a_missing_payment_retries_briefly_then_finishes(fakes: Fakes) -> None:
    assert payments.process("pay_missing", 1) == RetryAfter(1)
    assert payments.process("pay_missing", 600) == Finished("missing")


def test_capture_needs_a_successful_uncaptured_payment(fakes: Fakes) -> None:
    payment_id = create(new_order())
    with pytest.raises(BadRequest, match="not in capturable state"):
        payments.capture("m1", payment_id, 50000, actor=ACTOR)
    payments.process(payment_id, 0)
    with pytest.raises(BadRequest, match="must equal the payment amount"):
        payments.capture("m1", payment_id, 50001, actor=ACTOR)
    captured = payments.capture("m1", payment_id, 50000, actor=ACTOR)
    assert captured["captured"] is True and captured["captured_at"]
    with pytest.raises(BadRequest, match="not in capturable state"):
        payments.capture("m1", payment_id, 50000, actor=ACTOR)


def test_of_two_concurrent_captures_one_wins(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    payment_id = create(new_order())
    payments.process(payment_id, 0)
    both_read = threading.Barrier(2)
    read = payments.owned

    def owned_then_wait(merchant_id: str, pid: str) -> Payment:
        payment = read(merchant_id, pid)
        both_read.wait(timeout=5)  # both have seen it uncaptured before either writes
        return payment

    monkeypatch.setattr(payments, "owned", owned_then_wait)
    results: list[str] = []

    def capture() -> None:
        try:
            payments.capture("m1", payment_id, 50000, actor=ACTOR)
            results.append("captured")
        except BadRequest:
            results.append("refused")

    threads = [threading.Thread(target=capture) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["captured", "refused"]


# --- the carried copy: processing without reading the payment ------------------------------------


def created_job(fakes: Fakes, order_id: str, instrument: str | None = None) -> dict:
    create(order_id, instrument=instrument)
    [job] = fakes.queues.take(queues.PAYMENT_JOBS)
    return job


def no_reads(monkeypatch: pytest.MonkeyPatch, fakes: Fakes) -> list[str]:
    reads: list[str] = []
    read = fakes.store.payments.get

    def counted(payment_id: str) -> Payment | None:
        reads.append(payment_id)
        return read(payment_id)

    monkeypatch.setattr(fakes.store.payments, "get", counted)
    return reads


def test_the_job_carries_what_processing_needs_and_nothing_is_read(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id = new_order()
    job = created_job(fakes, order_id)
    reads = no_reads(monkeypatch, fakes)
    assert payments.handle_job(job, 0) == Finished("success")
    assert reads == []
    payment = fakes.store.payments.get(job["payment_id"])
    assert payment is not None and payment.status == "success"
    success = fakes.store.deliveries.get(events.event_id(payment.id, events.PAYMENT_SUCCESS))
    assert success is not None and f'"amount":{payment.amount}' in success.payload
    assert '"vpa":"someone@bank"' in success.payload  # the event's entity comes from the copy


def test_an_old_format_message_still_in_flight_is_processed_by_reading(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = created_job(fakes, new_order())
    reads = no_reads(monkeypatch, fakes)
    assert payments.handle_job({"payment_id": job["payment_id"]}, 0) == Finished("success")
    assert reads == [job["payment_id"]]


def test_a_copy_redelivered_after_another_message_finalized_it_changes_nothing(fakes: Fakes) -> None:
    job = created_job(fakes, new_order(), instrument="fail")
    assert payments.handle_job(job, 0) == Finished("failed")
    fakes.queues.sent.clear()
    # The copy still says pending, and this time the bank would say success: the stored,
    # final payment wins, no second event is written, the first is queued again only if its
    # delivery never started.
    payment = fakes.store.payments.get(job["payment_id"])
    assert payment is not None
    flipped = {**job, "deliveries": [], "payment": {**job["payment"], "instrument": None}}
    assert payments.handle_job(flipped, 5) == Finished("failed")
    stored = fakes.store.payments.get(job["payment_id"])
    assert stored == payment
    assert fakes.store.deliveries.get(events.event_id(payment.id, events.PAYMENT_SUCCESS)) is None
    [queued] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert queued["delivery_id"] == events.event_id(payment.id, events.PAYMENT_FAILED)
    delivery = fakes.store.deliveries.get(queued["delivery_id"])
    assert delivery is not None
    fakes.store.tables.deliveries[delivery.id] = replace(delivery, attempts=1)
    fakes.queues.sent.clear()
    assert payments.handle_job(flipped, 5) == Finished("failed")
    assert fakes.queues.jobs(queues.WEBHOOK_DELIVERIES) == []


def test_a_copy_of_a_payment_whose_order_another_payment_paid_fails_it(fakes: Fakes) -> None:
    order_id = new_order()
    first, second = created_job(fakes, order_id), created_job(fakes, order_id)
    assert payments.handle_job(second, 0) == Finished("success")
    assert payments.handle_job(first, 0) == Finished("failed")
    payment = fakes.store.payments.get(first["payment_id"])
    assert payment is not None and payment.error_code == "ORDER_ALREADY_PAID"
    failed = fakes.store.deliveries.get(events.event_id(payment.id, events.PAYMENT_FAILED))
    assert failed is not None and '"error_code":"ORDER_ALREADY_PAID"' in failed.payload


@pytest.mark.parametrize(
    "copy",
    [
        None,
        "not a payment",
        {"id": "elsewhere"},  # fields missing
        "another payment's",
        "a final copy",
    ],
)
def test_a_copy_this_code_cannot_trust_is_ignored_and_the_payment_read(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch, copy: object
) -> None:
    job = created_job(fakes, new_order())
    if copy == "another payment's":
        copy = {**job["payment"], "id": "pay_other"}
    elif copy == "a final copy":
        copy = {**job["payment"], "status": "success"}
    reads = no_reads(monkeypatch, fakes)
    assert payments.handle_job({**job, "payment": copy}, 0) == Finished("success")
    assert reads == [job["payment_id"]]


def test_a_copy_of_a_payment_that_was_never_written_is_missing_not_processed(fakes: Fakes) -> None:
    job = created_job(fakes, new_order())
    ghost = {**job["payment"], "id": "pay_ghost"}
    message = {"payment_id": "pay_ghost", "payment": ghost}
    assert payments.handle_job(message, 1) == RetryAfter(1)
    assert payments.handle_job(message, 600) == Finished("missing")
    assert fakes.store.payments.get("pay_ghost") is None
    assert fakes.store.deliveries.get(events.event_id("pay_ghost", events.PAYMENT_SUCCESS)) is None
