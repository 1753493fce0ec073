"""Webhooks: recording and dispatching events, the delivery engine, the log and manual retries."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from chalicelib import queues
from chalicelib.domain import clock
from chalicelib.jobs.outcomes import Finished, RetryAfter
from chalicelib.services import merchants, webhook_delivery, webhooks
from chalicelib.services.webhook_http import Observation
from chalicelib.store.records import Delivery

from .conftest import ACTOR, Fakes, add_merchant

URL = "http://127.0.0.1:9/hooks"


class Receiver:
    """Stands in for the HTTP POST: answers `status` and remembers each call."""

    def __init__(self, status: int | None = 200) -> None:
        self.status = status
        self.posts: list[dict[str, Any]] = []
        self.during: Any = None

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts.append({"url": url, "body": body, "headers": headers})
        if self.during is not None:
            self.during()
        return Observation(self.status, "ok" if self.status else None, None if self.status else "refused", 3)


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    fake = Receiver()
    monkeypatch.setattr(webhook_delivery, "post", fake)
    return fake


def recorded(
    fakes: Fakes, merchant_id: str = "m1", entity_id: str = "pay_1", event: str = "payment.created"
) -> Delivery:
    record = webhooks.event_record(merchant_id, event, "payment", {"id": entity_id, "amount": 1}, clock.now())
    assert fakes.store.deliveries.create(record)
    return record


def job_for(fakes: Fakes, delivery_id: str) -> dict[str, Any]:
    webhooks.dispatch_if_unattempted([delivery_id])
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    return job


def test_an_event_record_has_a_stable_id_and_fixed_payload(fakes: Fakes) -> None:
    when = clock.now()
    one = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1"}, when)
    two = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1"}, when)
    assert one == two and one.status == "pending" and one.attempts == 0
    assert one.payload.startswith('{"event":"payment.created"')


def test_dispatch_queues_one_job_per_record(fakes: Fakes) -> None:
    records = [recorded(fakes, entity_id=f"pay_{n}") for n in range(12)]
    webhooks.dispatch(records)
    jobs = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert [job["delivery_id"] for job in jobs] == [record.id for record in records]
    assert jobs[0] == {"delivery_id": records[0].id, "merchant_id": "m1", "event": "payment.created", "generation": 0}


def test_dispatch_if_unattempted_skips_missing_started_and_final_deliveries(fakes: Fakes) -> None:
    waiting, started, final = (recorded(fakes, entity_id=f"pay_{n}") for n in range(3))
    fakes.store.tables.deliveries[started.id] = replace(started, attempts=1)
    fakes.store.tables.deliveries[final.id] = replace(final, status="success")
    webhooks.dispatch_if_unattempted([waiting.id, started.id, final.id, "evt_missing"])
    assert [job["delivery_id"] for job in fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)] == [waiting.id]


def test_a_merchant_without_a_url_has_its_delivery_skipped(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes)
    record = recorded(fakes)
    assert webhooks.deliver(job_for(fakes, record.id), 0) == Finished("skipped")
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.status == "skipped" and stored.skip_reason == "no_webhook_url"
    assert receiver.posts == []
    # A duplicate message finds it final.
    assert webhooks.deliver(job_for_generation(record, 0), 0) == Finished("skipped")


def job_for_generation(record: Delivery, generation: int) -> dict[str, Any]:
    return {
        "delivery_id": record.id,
        "merchant_id": record.merchant_id,
        "event": record.event,
        "generation": generation,
    }


def test_a_delivered_attempt_is_recorded(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    merchants_read = webhooks.read_merchants([job_for_generation(record, 0)])
    assert webhooks.deliver(job_for_generation(record, 0), 0, merchants_read) == Finished("success")
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.status == "success" and stored.attempts == 1
    assert stored.lease_until is None and stored.response_code == 200
    assert [entry["number"] for entry in stored.attempt_log] == [1]
    assert receiver.posts[0]["body"] == record.payload.encode()
    detail = webhooks.get("m1", record.id)
    assert detail["attempt_log"][0]["response_code"] == 200


def test_a_failed_attempt_schedules_the_next_and_an_early_duplicate_waits(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    outcome = webhooks.deliver(job_for_generation(record, 0), 0)
    assert isinstance(outcome, RetryAfter) and 4 <= outcome.seconds <= 5
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.status == "pending" and stored.next_retry_at and stored.attempts == 1
    early = webhooks.deliver(job_for_generation(record, 0), 0)
    assert isinstance(early, RetryAfter) and early.seconds >= 1
    assert len(receiver.posts) == 1


def test_attempts_run_out_as_failed(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = None
    record = recorded(fakes)
    for _ in range(5):
        stored = fakes.store.deliveries.get(record.id)
        assert stored is not None
        fakes.store.tables.deliveries[record.id] = replace(stored, next_retry_at=None)  # due now
        outcome = webhooks.deliver(job_for_generation(record, 0), 0)
    assert outcome == Finished("failed")
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.attempts == 5 and stored.attempt_log[-1]["error"] == "refused"


def test_a_duplicate_message_during_an_attempt_never_posts_twice(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    seen: list[Finished | RetryAfter] = []
    receiver.during = lambda: seen.append(webhooks.deliver(job_for_generation(record, 0), 0))
    assert webhooks.deliver(job_for_generation(record, 0), 0) == Finished("success")
    assert len(receiver.posts) == 1
    assert isinstance(seen[0], RetryAfter)  # the claim was held: it looks again after the lease


def test_an_attempt_that_lost_its_lease_is_superseded(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    receiver.during = lambda: webhooks.retry_now("m1", record.id)  # a manual retry meanwhile
    assert webhooks.deliver(job_for_generation(record, 0), 0) == Finished("superseded")
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.generation == 1 and stored.attempts == 0


def test_a_manual_retry_starts_a_new_generation(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    webhooks.deliver(job_for_generation(record, 0), 0)
    fakes.queues.sent.clear()
    answer = webhooks.retry_now("m1", record.id)
    assert answer == {"id": record.id, "status": "pending", "message": "Webhook retry scheduled"}
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert job["generation"] == 1
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.generation == 1 and stored.attempts == 0 and stored.next_retry_at is None
    # The old generation's message retires; the new one delivers at once.
    assert webhooks.deliver(job_for_generation(record, 0), 0) == Finished("pending")
    receiver.status = 200
    assert webhooks.deliver(job, 0) == Finished("success")


def test_a_message_ahead_of_its_retry_waits_then_is_orphaned(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    assert webhooks.deliver(job_for_generation(record, 1), 0) == RetryAfter(1)
    assert webhooks.deliver(job_for_generation(record, 1), 120) == Finished("orphaned")


def test_an_unsubscribed_event_is_skipped(fakes: Fakes, receiver: Receiver) -> None:
    merchant = add_merchant(fakes, webhook_url=URL)
    merchants.update_webhook(merchant.id, URL, ["refund.created"], actor=ACTOR)
    record = recorded(fakes)
    assert webhooks.deliver(job_for_generation(record, 0), 0) == Finished("skipped")
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.skip_reason == "not_subscribed"


def test_the_log_lists_a_merchants_deliveries_newest_first(fakes: Fakes) -> None:
    records = [recorded(fakes, entity_id=f"pay_{n}") for n in range(3)]
    recorded(fakes, merchant_id="m2", entity_id="pay_other")
    listing = webhooks.list_deliveries("m1", 2, 0, None, None, None)
    assert listing.total == 3 and len(listing.items) == 2 and listing.next_cursor is not None
    assert {item["id"] for item in listing.items} <= {record.id for record in records}
    empty = webhooks.list_deliveries("m1", 10, 0, None, "success", None)
    assert (empty.items, empty.total, empty.next_cursor) == ([], 0, None)


def test_a_test_webhook_is_recorded_and_queued(fakes: Fakes) -> None:
    merchant = add_merchant(fakes, webhook_url=URL)
    answer = webhooks.send_test(merchant)
    assert answer["status"] == "pending"
    stored = fakes.store.deliveries.get(answer["id"])
    assert stored is not None and stored.event == "webhook.test"
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert job["delivery_id"] == answer["id"]
