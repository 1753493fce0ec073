"""Webhooks: recording and dispatching events, the delivery engine, the log and manual retries."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from chalicelib import queues, vault
from chalicelib.config import settings
from chalicelib.domain import clock, counts, retry
from chalicelib.domain.endpoints import default_endpoint_id, delivery_id
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import merchants, webhook_delivery, webhook_endpoints, webhooks
from chalicelib.services.webhook_http import Observation
from chalicelib.store.records import Delivery

from .conftest import ACTOR, Fakes, add_merchant

URL = "http://127.0.0.1:9/hooks"


class Receiver:
    """Stands in for the HTTP POST: answers `status` and remembers each call."""

    def __init__(self, status: int | None = 200) -> None:
        self.status = status
        self.retry_after: str | None = None
        self.posts: list[dict[str, Any]] = []
        self.during: Any = None

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts.append({"url": url, "body": body, "headers": headers})
        if self.during is not None:
            self.during()
        return Observation(
            self.status, "ok" if self.status else None, None if self.status else "refused", 3, self.retry_after
        )


class NoReads:
    """Fails the test if the engine reads a delivery: an attempt must read nothing per message."""

    def __init__(self, fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(delivery_id: str) -> Delivery | None:
            raise AssertionError(f"read {delivery_id} during an attempt")

        self.writes = 0
        record = fakes.store.deliveries.record_attempt

        def counted(*args: Any, **kwargs: Any) -> bool:
            self.writes += 1
            return record(*args, **kwargs)

        monkeypatch.setattr(fakes.store.deliveries, "get", refuse)
        monkeypatch.setattr(fakes.store.deliveries, "record_attempt", counted)


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


def first_job(fakes: Fakes, record: Delivery) -> dict[str, Any]:
    webhooks.dispatch([record])
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    return job


def stored(fakes: Fakes, delivery_id: str) -> Delivery:
    found = fakes.store.deliveries.get(delivery_id)
    assert found is not None
    return found


def success_count(fakes: Fakes) -> int:
    return fakes.store.tables.total("m1", counts.WEBHOOKS, counts.delivery_attribute("success", None))


def test_an_event_record_has_a_stable_id_fixed_payload_and_a_retention(fakes: Fakes) -> None:
    when = clock.now()
    one = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1"}, when)
    two = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1"}, when)
    assert one == two and one.status == "pending" and one.attempts == 0
    assert one.payload.startswith('{"event":"payment.created"')
    assert one.event_id == one.id and one.endpoint_id == default_endpoint_id("m1")
    assert one.expires_at is not None and timedelta(days=29) < one.expires_at - when <= timedelta(days=30)


def test_the_first_message_carries_the_payload_and_fans_out(fakes: Fakes) -> None:
    records = [recorded(fakes, entity_id=f"pay_{n}") for n in range(12)]
    webhooks.dispatch(records)
    jobs = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert [job["delivery_id"] for job in jobs] == [record.id for record in records]
    first = records[0]
    assert jobs[0] == {
        "delivery_id": first.id,
        "event_id": first.id,
        "merchant_id": "m1",
        "endpoint_id": default_endpoint_id("m1"),
        "event": "payment.created",
        "entity_id": "pay_0",
        "timestamp": first.timestamp,
        "created_at": first.created_at,
        "payload": first.payload,
        "generation": 0,
        "attempt": 0,
        "round_start": 0,
        "fan_out": True,
    }


def test_dispatch_if_unattempted_skips_missing_started_and_final_deliveries(fakes: Fakes) -> None:
    waiting, started, final = (recorded(fakes, entity_id=f"pay_{n}") for n in range(3))
    fakes.store.tables.deliveries[started.id] = replace(started, attempts=1)
    fakes.store.tables.deliveries[final.id] = replace(final, status="success")
    webhooks.dispatch_if_unattempted([waiting.id, started.id, final.id, "evt_missing"])
    assert [job["delivery_id"] for job in fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)] == [waiting.id]


def test_a_merchant_without_a_url_has_its_delivery_skipped(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes)
    record = recorded(fakes)
    job = first_job(fakes, record)
    assert webhooks.deliver(job, 0) == Finished("skipped")
    assert stored(fakes, record.id).status == "skipped" and stored(fakes, record.id).skip_reason == "no_webhook_url"
    assert receiver.posts == []
    # A duplicate message loses the skip's condition.
    assert webhooks.deliver(job, 0) == Finished("superseded")


def test_an_attempt_is_one_write_and_no_read(fakes: Fakes, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    job = first_job(fakes, record)
    merchants_read = webhooks.read_merchants([job])
    io = NoReads(fakes, monkeypatch)
    assert webhooks.deliver(job, 0, merchants_read) == Finished("success")
    assert io.writes == 1
    monkeypatch.undo()
    monkeypatch.setattr(webhook_delivery, "post", receiver)
    delivery = stored(fakes, record.id)
    assert delivery.status == "success" and delivery.attempts == 1 and delivery.response_code == 200
    assert [entry["number"] for entry in delivery.attempt_log] == [1]
    assert receiver.posts[0]["body"] == record.payload.encode()
    assert receiver.posts[0]["headers"] == {} or receiver.posts[0]["headers"]["webhook-id"] == record.id
    detail = webhooks.get("m1", record.id)
    assert detail["attempt_log"][0]["response_code"] == 200 and detail["earlier_attempts"] == 0
    assert detail["event_id"] == record.id and detail["endpoint_id"] == default_endpoint_id("m1")


def test_a_failed_attempt_sends_the_next_as_a_new_delayed_message(
    fakes: Fakes, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    job = first_job(fakes, record)
    assert webhooks.deliver(job, 0, rng=random.Random(7)) == Finished("retrying")
    [sent] = fakes.queues.sent
    assert sent.job["attempt"] == 1 and "fan_out" not in sent.job and sent.job["payload"] == record.payload
    assert 4 <= sent.delay_seconds <= 6  # 5 s ±10%, rounded up
    delivery = stored(fakes, record.id)
    assert delivery.status == "pending" and delivery.attempts == 1 and delivery.next_retry_at == sent.job["due_at"]
    # Received before its due time (SQS may deliver early): it sends itself again, reading nothing.
    fakes.queues.sent.clear()
    NoReads(fakes, monkeypatch)
    assert webhooks.deliver(sent.job, 0) == Finished("waiting")
    [again] = fakes.queues.sent
    assert again.job == sent.job and 1 <= again.delay_seconds <= 6
    assert len(receiver.posts) == 1


def test_a_wait_longer_than_sqs_delays_goes_in_chunks(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    job = {**first_job(fakes, record), "due_at": clock.iso(clock.now() + timedelta(seconds=7200))}
    assert webhooks.deliver(job, 0) == Finished("waiting")
    [sent] = fakes.queues.sent
    assert sent.delay_seconds == 7200  # capped at SQS's 900 s when sent (queues._delay)
    assert receiver.posts == []


def test_attempts_run_out_as_failed(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = None
    record = recorded(fakes)
    job = first_job(fakes, record)
    outcomes = []
    for _ in range(retry.MAX_ATTEMPTS):
        outcomes.append(webhooks.deliver({**job, "due_at": None}, 0))
        job = fakes.queues.take(queues.WEBHOOK_DELIVERIES)[-1] if outcomes[-1] == Finished("retrying") else job
    assert outcomes == [Finished("retrying")] * 4 + [Finished("failed")]
    delivery = stored(fakes, record.id)
    assert delivery.attempts == 5 and delivery.attempt_log[-1]["error"] == "refused"
    assert fakes.queues.sent == []


def test_a_crash_between_the_post_and_its_write_posts_again_and_records_once(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    job = first_job(fakes, record)

    def crash() -> None:
        receiver.during = None
        raise RuntimeError("the function died after the POST")

    receiver.during = crash
    with pytest.raises(RuntimeError):
        webhooks.deliver(job, 0)
    assert stored(fakes, record.id).attempts == 0  # nothing recorded: the message comes back
    assert webhooks.deliver(job, 0) == Finished("success")
    delivery = stored(fakes, record.id)
    assert len(receiver.posts) == 2 and delivery.attempts == 1 and len(delivery.attempt_log) == 1
    assert success_count(fakes) == 1  # counted once


def test_a_redelivered_duplicate_loses_its_write(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    job = first_job(fakes, record)
    assert webhooks.deliver(job, 0) == Finished("retrying")
    # The same message again (SQS's at-least-once): pending still, but its attempt is recorded.
    assert webhooks.deliver(job, 0) == Finished("superseded")
    delivery = stored(fakes, record.id)
    assert delivery.attempts == 1 and len(delivery.attempt_log) == 1
    assert len(fakes.queues.take(queues.WEBHOOK_DELIVERIES)) == 1  # one next attempt, not two
    receiver.status = 200
    assert webhooks.deliver(job, 0) == Finished("superseded") and success_count(fakes) == 0


def test_a_stale_generation_loses_to_a_manual_retry(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    job = first_job(fakes, record)
    receiver.during = lambda: webhooks.retry_now("m1", record.id)  # a manual retry meanwhile
    assert webhooks.deliver(job, 0) == Finished("superseded")
    delivery = stored(fakes, record.id)
    assert delivery.generation == 1 and delivery.attempts == 0
    [retried] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    receiver.during = None
    assert retried["generation"] == 1 and webhooks.deliver(retried, 0) == Finished("success")
    assert success_count(fakes) == 1


def test_a_manual_retry_restarts_the_schedule_and_numbers_go_on(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    webhooks.deliver(first_job(fakes, record), 0)
    fakes.queues.sent.clear()
    answer = webhooks.retry_now("m1", record.id)
    assert answer == {"id": record.id, "status": "pending", "message": "Webhook retry scheduled"}
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert (job["generation"], job["attempt"], job["round_start"], job.get("fan_out")) == (1, 1, 1, None)
    delivery = stored(fakes, record.id)
    assert delivery.generation == 1 and delivery.round_start == 1 and delivery.next_retry_at is None
    assert webhooks.deliver(job, 0, rng=random.Random(1)) == Finished("retrying")
    [following] = fakes.queues.sent
    assert 4 <= following.delay_seconds <= 6  # the schedule's first wait again, not its second
    assert [entry["number"] for entry in stored(fakes, record.id).attempt_log] == [1, 2]


class Receivers:
    """Stands in for the HTTP POST of several endpoints: each URL answers its own status."""

    def __init__(self) -> None:
        self.status: dict[str, int | None] = {}
        self.posts: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts.append({"url": url, "body": body, "headers": headers})
        status = self.status.get(url, 200)
        return Observation(status, "ok" if status else None, None if status else "refused", 3)

    def to(self, url: str) -> list[dict[str, Any]]:
        return [post for post in self.posts if post["url"] == url]


@pytest.fixture
def receivers(monkeypatch: pytest.MonkeyPatch) -> Receivers:
    # KMS is not here: secrets are sealed reversibly.
    monkeypatch.setattr(vault, "seal", lambda plain: "sealed:" + plain)
    monkeypatch.setattr(vault, "unseal", lambda sealed: sealed.removeprefix("sealed:"))
    fake = Receivers()
    monkeypatch.setattr(webhook_delivery, "post", fake)
    return fake


def run_all(fakes: Fakes, first: list[dict[str, Any]] | None = None) -> list[Finished]:
    """Deliver every queued message (and those they queue), due times ignored, as the function
    would batch by batch: each batch reads its merchants."""
    outcomes: list[Finished] = []
    pending = first if first is not None else fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    while pending:
        merchants_read = webhooks.read_merchants(pending)
        for job in pending:
            outcome = webhooks.deliver({**job, "due_at": None}, 0, merchants_read)
            assert isinstance(outcome, Finished)
            outcomes.append(outcome)
        pending = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    return outcomes


OTHER = "http://127.0.0.1:9/other"


def test_an_event_fans_out_to_every_endpoint_that_takes_it_each_with_its_own_log(
    fakes: Fakes, receivers: Receivers
) -> None:
    add_merchant(fakes, webhook_url=URL)
    refunds_only = webhook_endpoints.create("m1", OTHER, ["refund.created"], None, actor=ACTOR)
    everything = webhook_endpoints.create("m1", OTHER + "/all", None, None, actor=ACTOR)
    payment_event = recorded(fakes, entity_id="pay_1", event="payment.created")
    refund_event = recorded(fakes, entity_id="rfnd_1", event="refund.created")
    webhooks.dispatch([payment_event, refund_event])
    assert set(run_all(fakes)) == {Finished("success")}
    assert [p["body"] for p in receivers.to(URL)] == [payment_event.payload.encode(), refund_event.payload.encode()]
    assert [p["body"] for p in receivers.to(OTHER)] == [refund_event.payload.encode()]
    assert len(receivers.to(OTHER + "/all")) == 2
    assert {p["headers"]["webhook-id"] for p in receivers.to(OTHER + "/all")} == {payment_event.id, refund_event.id}
    other_delivery = stored(fakes, delivery_id(refund_event.id, "m1", refunds_only["id"]))
    assert other_delivery.endpoint_id == refunds_only["id"] and other_delivery.event_id == refund_event.id
    assert other_delivery.attempts == 1 and other_delivery.status == "success"
    assert fakes.store.deliveries.get(delivery_id(payment_event.id, "m1", refunds_only["id"])) is None
    assert stored(fakes, delivery_id(payment_event.id, "m1", everything["id"])).payload == payment_event.payload
    # The first message again (a redelivery): the fan-out is repeated, every write refused.
    webhooks.dispatch([refund_event])
    assert set(run_all(fakes)) == {Finished("superseded")}
    assert success_count(fakes) == 5


def test_a_410_fails_the_delivery_and_disables_the_endpoint_with_an_event(fakes: Fakes, receivers: Receivers) -> None:
    add_merchant(fakes, webhook_url=URL)
    gone = webhook_endpoints.create("m1", OTHER, None, None, actor=ACTOR)
    receivers.status[OTHER] = 410
    record = recorded(fakes)
    webhooks.dispatch([record])
    run_all(fakes)
    delivery = stored(fakes, delivery_id(record.id, "m1", gone["id"]))
    assert delivery.status == "failed" and delivery.attempts == 1
    endpoint = webhook_endpoints.get("m1", gone["id"])
    assert endpoint["enabled"] is False and endpoint["disabled_reason"] == "gone"
    [disabled] = [p for p in receivers.to(URL) if b'"endpoint.disabled"' in p["body"]]
    assert gone["id"].encode() in disabled["body"] and b'"reason":"gone"' in disabled["body"]
    assert len(receivers.to(OTHER)) == 1  # the disabled endpoint got nothing more
    # Later events skip it: its delivery is never created.
    later = recorded(fakes, entity_id="pay_2")
    webhooks.dispatch([later])
    run_all(fakes)
    assert fakes.store.deliveries.get(delivery_id(later.id, "m1", gone["id"])) is None


def test_an_endpoint_failing_through_the_period_is_disabled_and_a_success_ends_the_period(
    fakes: Fakes, receivers: Receivers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_AUTO_DISABLE_SECONDS", "60")
    settings.cache_clear()
    add_merchant(fakes, webhook_url=URL)
    failing = webhook_endpoints.create("m1", OTHER, None, None, actor=ACTOR)
    receivers.status[OTHER] = 500
    first = recorded(fakes, entity_id="pay_1")
    webhooks.dispatch([first])
    run_all(fakes)
    since = webhook_endpoints.get("m1", failing["id"])
    assert since["enabled"] is True
    endpoint = next(e for e in fakes.store.merchants.get("m1").webhook_endpoints if e.id == failing["id"])
    assert endpoint.failing_since is not None
    # A success ends the period.
    receivers.status[OTHER] = 200
    webhooks.dispatch([recorded(fakes, entity_id="pay_2")])
    run_all(fakes)
    endpoint = next(e for e in fakes.store.merchants.get("m1").webhook_endpoints if e.id == failing["id"])
    assert endpoint.failing_since is None and endpoint.enabled
    # Failing again, from 61 s ago: the next failure disables it, with its event.
    receivers.status[OTHER] = 500
    webhooks.dispatch([recorded(fakes, entity_id="pay_3")])
    run_all(fakes)
    assert fakes.store.endpoints.clear_failing_since("m1", failing["id"])
    assert fakes.store.endpoints.set_failing_since("m1", failing["id"], clock.iso(clock.now() - timedelta(seconds=61)))
    webhooks.dispatch([recorded(fakes, entity_id="pay_4")])
    run_all(fakes)
    endpoint_view = webhook_endpoints.get("m1", failing["id"])
    assert endpoint_view["enabled"] is False and endpoint_view["disabled_reason"] == "failing"
    assert any(b'"reason":"failing"' in p["body"] for p in receivers.to(URL))


def test_a_410_fails_the_default_delivery_at_once(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 410
    record = recorded(fakes)
    assert webhooks.deliver(first_job(fakes, record), 0) == Finished("failed")
    delivery = stored(fakes, record.id)
    assert delivery.status == "failed" and delivery.attempts == 1
    [disabled_event] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)  # no retry: only the event
    assert disabled_event["event"] == "endpoint.disabled"


@pytest.mark.parametrize(
    ("header", "wait"),
    [("7", 7), ("0", 1), ("99999", 20), ("soon", None), (None, None)],
)
def test_retry_after_replaces_the_wait_capped(
    fakes: Fakes, receiver: Receiver, header: str | None, wait: int | None
) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status, receiver.retry_after = 503, header
    record = recorded(fakes)
    before = clock.now()
    webhooks.deliver(first_job(fakes, record), 0, rng=random.Random(3))
    waited = (clock.parse_iso(stored(fakes, record.id).next_retry_at or "") - before).total_seconds()
    low, high = (wait - 0.1, wait + 1) if wait is not None else (4.5 - 0.1, 5.5 + 1)  # else the schedule's
    assert low <= waited <= high


def test_retry_after_as_an_http_date() -> None:
    now = clock.now()
    header = format_datetime(now + timedelta(seconds=120), usegmt=True)
    assert 119 <= (retry.next_wait(2, False, header, now) or 0) <= 120
    assert retry.next_wait(2, False, format_datetime(now - timedelta(hours=1), usegmt=True), now) == 1
    assert retry.next_wait(2, False, format_datetime(now + timedelta(days=3), usegmt=True), now) == 7200
    assert retry.next_wait(retry.MAX_ATTEMPTS + 1, False, "5", now) is None  # never buys an attempt


def test_jitter_stays_within_ten_percent_and_spreads() -> None:
    rng = random.Random(42)
    for attempt, base in zip(range(2, retry.MAX_ATTEMPTS + 1), retry.PRODUCTION_WAITS, strict=True):
        waits = [retry.next_wait(attempt, False, rng=rng) or 0 for _ in range(500)]
        assert all(base * 0.9 <= wait <= base * 1.1 for wait in waits)
        assert max(waits) - min(waits) > base * 0.15  # spread over the range, not one value
    assert retry.next_wait(2, False, rng=random.Random(5)) == retry.next_wait(2, False, rng=random.Random(5))


def test_only_the_latest_ten_attempts_are_kept(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    receiver.status = 500
    record = recorded(fakes)
    job = first_job(fakes, record)
    for _ in range(12):
        webhooks.deliver({**job, "due_at": None}, 0)
        sent = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
        if sent:
            job = sent[-1]
        else:
            webhooks.retry_now("m1", record.id)
            job = fakes.queues.take(queues.WEBHOOK_DELIVERIES)[-1]
    delivery = stored(fakes, record.id)
    assert delivery.attempts == 12
    assert [entry["number"] for entry in delivery.attempt_log] == list(range(3, 13))
    assert webhooks.get("m1", record.id)["earlier_attempts"] == 2


def test_an_expired_delivery_reads_as_absent(fakes: Fakes) -> None:
    record = recorded(fakes)
    fakes.store.tables.deliveries[record.id] = replace(record, expires_at=clock.now() - timedelta(seconds=1))
    assert fakes.store.deliveries.get(record.id) is None
    assert webhooks.list_deliveries("m1", 10, 0, None, None, None).items == []


def test_a_message_of_the_older_format_is_read_then_delivered(fakes: Fakes, receiver: Receiver) -> None:
    add_merchant(fakes, webhook_url=URL)
    record = recorded(fakes)
    older = {"delivery_id": record.id, "merchant_id": "m1", "event": record.event, "generation": 0}
    assert webhooks.deliver(older, 0) == Finished("success")
    assert webhooks.deliver(older, 0) == Finished("success")  # final already: nothing posted
    assert len(receiver.posts) == 1


def test_an_unsubscribed_event_is_skipped(fakes: Fakes, receiver: Receiver) -> None:
    merchant = add_merchant(fakes, webhook_url=URL)
    merchants.update_webhook(merchant.id, URL, ["refund.created"], actor=ACTOR)
    record = recorded(fakes)
    assert webhooks.deliver(first_job(fakes, record), 0) == Finished("skipped")
    assert stored(fakes, record.id).skip_reason == "not_subscribed"


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
    assert stored(fakes, answer["id"]).event == "webhook.test"
    [job] = fakes.queues.jobs(queues.WEBHOOK_DELIVERIES)
    assert job["delivery_id"] == answer["id"]
