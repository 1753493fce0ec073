"""services/resume.py: every pending payment, refund and delivery is queued again, through the
services' own enqueue functions, and nothing final is."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from chalicelib import queues
from chalicelib.domain import deliveries as delivery_rules
from chalicelib.domain import events
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import payments, refunds
from chalicelib.services.payments import PaymentRequest
from chalicelib.services.resume import resume_pending

from .conftest import ACTOR, Fakes, add_merchant, new_order


def test_pending_work_is_queued_again_and_final_work_is_not(fakes: Fakes) -> None:
    add_merchant(fakes, webhook_url="http://127.0.0.1:9/hook")
    done = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    assert payments.process(done.id, 0) == Finished("success")
    refund = refunds.create("m1", done.id, 100, None, actor=ACTOR)
    waiting = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="b@bank"))
    # One delivery between two attempts: its next retry is in the future.
    created = fakes.store.deliveries.get(events.event_id(waiting.id, events.PAYMENT_CREATED))
    assert created is not None
    later = replace(
        created,
        attempts=1,
        next_retry_at="2999-01-01T00:00:00.000Z",
    )
    fakes.store.tables.deliveries[later.id] = later
    finished = _first_delivery(fakes, status=delivery_rules.PENDING, other_than=later.id)
    fakes.store.tables.deliveries[finished.id] = replace(finished, status=delivery_rules.SUCCESS)
    fakes.queues.sent.clear()  # SQS forgot everything: the restart

    resumed = resume_pending()

    assert [job["payment_id"] for job in fakes.queues.jobs(queues.PAYMENT_JOBS)] == [waiting.id]
    assert fakes.queues.jobs(queues.REFUND_JOBS) == [{"refund_id": refund["id"]}]
    pending = {d.id for d in fakes.store.tables.deliveries.values() if d.status == delivery_rules.PENDING}
    queued = {job["delivery_id"] for job in fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)}
    assert queued == pending and later.id in queued and finished.id not in queued
    assert (resumed.payments, resumed.refunds, resumed.deliveries) == (1, 1, len(pending))


def test_a_payment_not_yet_due_is_queued_with_its_remaining_delay(fakes: Fakes) -> None:
    add_merchant(fakes)
    payment = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    fakes.store.tables.payments[payment.id] = replace(payment, process_after_ms=int(time.time() * 1000) + 30_000)
    fakes.queues.sent.clear()
    resume_pending()
    [sent] = [sent for sent in fakes.queues.sent if sent.queue == queues.PAYMENT_JOBS]
    assert 29 <= sent.delay_seconds <= 30


def test_nothing_pending_queues_nothing(fakes: Fakes) -> None:
    assert resume_pending().total == 0 and fakes.queues.sent == []


def _first_delivery(fakes: Fakes, status: str | None = None, other_than: str | None = None):
    return next(
        d
        for d in fakes.store.tables.deliveries.values()
        if (status is None or d.status == status) and d.id != other_than
    )


def test_what_it_queues_again_is_published_as_repairs(
    fakes: Fakes, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    add_merchant(fakes, webhook_url="http://127.0.0.1:9/hook")
    payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))  # pending, with two deliveries
    capfd.readouterr()
    assert resume_pending().total == 3
    [line] = [json.loads(text) for text in capfd.readouterr().out.splitlines() if '"Repairs"' in text]
    assert line["Repairs"] == 3.0 or line["Repairs"] == [3.0]
    assert line["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "Repairs", "Unit": "Count"}]
