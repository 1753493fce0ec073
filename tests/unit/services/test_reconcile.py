"""No stranded work (services/after_commit.py, services/reconcile.py), on the fake Store: a send
that fails after the commit never fails the request, and the reconciler brings what it left
behind to its final state, once, leaving fresh work alone and resuming where a bounded run
stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import queues
from chalicelib.config import settings
from chalicelib.domain import events
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import payments, reconcile, refunds, webhook_delivery, webhooks
from chalicelib.services.payments import PaymentRequest
from chalicelib.services.reconcile import Budget
from chalicelib.services.webhook_http import Observation

from .conftest import ACTOR, Fakes, add_merchant, new_order

URL = "http://127.0.0.1:9/hooks"
GRACE_MS = 300_000


class RefusingOutbox:
    """SQS refusing every send, as during an outage."""

    def __init__(self) -> None:
        self.refused = 0

    def send(self, logical: str, job: dict[str, Any], delay_seconds: int) -> None:
        self.refused += 1
        raise RuntimeError("SQS is unavailable")


@pytest.fixture
def sqs_down(fakes: Fakes) -> Iterator[RefusingOutbox]:
    outbox = RefusingOutbox()
    queues.use_outbox(outbox)
    yield outbox
    queues.use_outbox(fakes.queues)


def later(ms: int = GRACE_MS + 1) -> int:
    return int(time.time() * 1000) + ms


def run(at_ms: int, budget: Budget | None = None) -> reconcile.Reconciled:
    """One reconciler run as if the clock said `at_ms`."""
    return reconcile.reconcile(at_ms - GRACE_MS, at_ms, budget or Budget(100))


def paid(fakes: Fakes) -> str:
    """A successful payment whose events are all delivered."""
    payment = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    [job] = fakes.queues.take(queues.PAYMENT_JOBS)
    assert payments.handle_job(job, 0) == Finished("success")
    deliver_everything(fakes)
    return payment.id


def deliver_everything(fakes: Fakes) -> None:
    """Run the delivery jobs queued so far, as the webhook function would."""
    for job in fakes.queues.take(queues.WEBHOOK_DELIVERIES):
        assert webhook_delivery.deliver(job, 0) == Finished("success")


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []

    def post(url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        seen.append(headers.get("X-Razorpay-Event-Id") or body.decode())
        return Observation(200, "ok", None, 1)

    monkeypatch.setattr(webhook_delivery, "post", post)
    return seen


def test_a_payment_whose_send_fails_after_the_commit_is_created_and_repaired(
    fakes: Fakes, sqs_down: RefusingOutbox, posts: list[str]
) -> None:
    add_merchant(fakes, webhook_url=URL)
    payment = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))  # no exception
    assert sqs_down.refused == 1 and payment.status == "pending"
    queues.use_outbox(fakes.queues)

    assert run(int(time.time() * 1000)).total == 0  # within the grace: left alone
    assert fakes.queues.sent == []
    repaired = run(later())
    assert (repaired.payments, repaired.deliveries) == (1, 2)  # created and pending events
    [job] = fakes.queues.take(queues.PAYMENT_JOBS)
    assert payments.handle_job(job, 0) == Finished("success")
    deliver_everything(fakes)
    deliver_everything(fakes)  # the success event, queued by the processing
    assert len(posts) == 3 and len(set(posts)) == 3
    assert run(later(2 * GRACE_MS)).total == 0  # nothing left waiting


def test_a_refund_whose_sends_fail_after_the_commit_is_created_and_repaired(
    fakes: Fakes, sqs_down: RefusingOutbox, posts: list[str]
) -> None:
    add_merchant(fakes, webhook_url=URL)
    queues.use_outbox(fakes.queues)
    payment_id = paid(fakes)
    delivered = len(posts)
    queues.use_outbox(sqs_down)
    refund = refunds.create("m1", payment_id, 100, None, actor=ACTOR)
    assert refund["status"] == "pending" and sqs_down.refused == 2  # the event and the job
    queues.use_outbox(fakes.queues)

    repaired = run(later())
    assert (repaired.refunds, repaired.deliveries) == (1, 1)
    [job] = fakes.queues.take(queues.REFUND_JOBS)
    assert refunds.process(job["refund_id"], 0) == Finished("processed")
    deliver_everything(fakes)
    deliver_everything(fakes)
    refund_events = [events.event_id(refund["id"], kind) for kind in (events.REFUND_CREATED, events.REFUND_PROCESSED)]
    stored = [fakes.store.deliveries.get(event_id) for event_id in refund_events]
    assert all(delivery is not None and delivery.status == "success" for delivery in stored)
    assert len(posts) == delivered + 2  # each refund event once
    assert run(later(2 * GRACE_MS)).total == 0


def test_a_test_webhook_and_a_manual_retry_answer_success_when_their_send_fails(
    fakes: Fakes, sqs_down: RefusingOutbox
) -> None:
    merchant = add_merchant(fakes, webhook_url=URL)
    sent = webhooks.send_test(merchant)
    assert sent["status"] == "pending"
    retried = webhooks.retry_now("m1", sent["id"])
    assert retried["message"] == "Webhook retry scheduled"
    stored = fakes.store.deliveries.get(sent["id"])
    assert stored is not None and stored.generation == 1  # the retry committed
    queues.use_outbox(fakes.queues)
    assert run(later()).deliveries == 1
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert (job["delivery_id"], job["generation"]) == (sent["id"], 1)  # the current generation


def test_two_overlapping_runs_queue_each_item_once(fakes: Fakes, sqs_down: RefusingOutbox) -> None:
    add_merchant(fakes)
    payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    queues.use_outbox(fakes.queues)
    at = later()
    assert run(at).payments == 1
    assert run(at).payments == 0  # claimed: due again only a grace after the first run
    assert len(fakes.queues.jobs(queues.PAYMENT_JOBS)) == 1
    assert run(at + GRACE_MS + 1).payments == 1  # still not done a grace later: queued again


def test_a_bounded_run_stops_and_the_next_resumes_with_the_rest(fakes: Fakes, sqs_down: RefusingOutbox) -> None:
    add_merchant(fakes)
    created = {payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank")).id for _ in range(30)}
    queues.use_outbox(fakes.queues)
    at = later()
    runs = []
    pages = len(reconcile.lanes()) + 2  # each run reads every lane once, then two more pages
    while not runs or not runs[-1].complete:
        runs.append(run(at, Budget(page_size=1, max_pages=pages)))
        assert len(runs) < 30
    assert all(result.pages <= pages for result in runs) and len(runs) > 1
    assert not any(result.complete for result in runs[:-1])
    queued = [job["payment_id"] for job in fakes.queues.jobs(queues.PAYMENT_JOBS)]
    assert sorted(queued) == sorted(created)  # every one, once


def test_a_run_out_of_time_stops_before_reading(fakes: Fakes) -> None:
    result = reconcile.reconcile(later(), later(), Budget(100, deadline=time.monotonic() - 1))
    assert (result.pages, result.complete) == (0, False)


def test_a_claim_whose_send_fails_is_retried_a_grace_later(fakes: Fakes, sqs_down: RefusingOutbox) -> None:
    add_merchant(fakes)
    payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    at = later()
    failed = run(at)
    assert (failed.payments, failed.deliveries, failed.unqueued) == (1, 2, 3)  # with its two events
    queues.use_outbox(fakes.queues)
    assert run(at + 1).payments == 0
    assert run(at + GRACE_MS + 1).payments == 1
    assert len(fakes.queues.jobs(queues.PAYMENT_JOBS)) == 1


def test_a_scheduled_run_uses_the_configured_grace(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import settings

    add_merchant(fakes)
    payment = payments.create("m1", PaymentRequest(new_order(), "upi", vpa="a@bank"))
    fakes.queues.sent.clear()
    assert reconcile.run_scheduled().total == 0  # the default grace: five minutes
    monkeypatch.setenv("RECONCILE_GRACE_SECONDS", "0")
    settings.cache_clear()
    time.sleep(0.01)
    assert reconcile.run_scheduled(remaining_ms=60_000).payments == 1
    assert [job["payment_id"] for job in fakes.queues.jobs(queues.PAYMENT_JOBS)] == [payment.id]


def test_a_re_sent_delivery_is_not_re_sent_again_before_an_attempt_could_finish(
    fakes: Fakes, sqs_down: RefusingOutbox
) -> None:
    """Attempts are not claimed before their POST: re-sending a delivery whose message is still
    being delivered would POST it twice, so the next re-send waits one attempt's deadline more."""
    merchant = add_merchant(fakes, webhook_url=URL)
    sent = webhooks.send_test(merchant)  # its send fails: stranded
    queues.use_outbox(fakes.queues)
    first = later()
    assert run(first).deliveries == 1
    in_flight_ms = int((settings().webhook_timeout_seconds + reconcile.IN_FLIGHT_MARGIN_SECONDS) * 1000)
    assert run(first + GRACE_MS + in_flight_ms - 1).deliveries == 0  # a payment would be re-sent here
    assert run(first + GRACE_MS + in_flight_ms + 1).deliveries == 1
    assert [job["delivery_id"] for job in fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)] == [sent["id"]] * 2
