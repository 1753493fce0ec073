"""Bulk replay and the log by endpoint, on the fake store: the range and filters, the bound, the
internal pages, a replay racing a retry, and the events an endpoint missed."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from chalicelib import queues
from chalicelib.domain.endpoints import Endpoint, default_endpoint_id, delivery_id
from chalicelib.domain.errors import BadRequest
from chalicelib.services import webhook_log, webhooks
from chalicelib.store.records import Delivery, Merchant

from .conftest import ACTOR, Fakes, add_merchant

OTHER = "we_0therEndpoint01"
DAY = "2026-11-28T"


def at(hour: int, minute: int = 0) -> str:
    return f"{DAY}{hour:02d}:{minute:02d}:00.000Z"


def delivery(
    fakes: Fakes,
    n: int,
    created_at: str,
    status: str = "failed",
    event: str = "payment.failed",
    endpoint_id: str | None = None,
    merchant_id: str = "m1",
) -> Delivery:
    """An event's delivery as the engine leaves it; `endpoint_id` None: recorded before endpoints
    (the default endpoint's, under the event's own id)."""
    event_id = f"evt_{n:016d}"
    record = Delivery(
        id=delivery_id(event_id, merchant_id, endpoint_id) if endpoint_id else event_id,
        merchant_id=merchant_id,
        event=event,
        entity_id=f"pay_{n}",
        timestamp=1795833600 + n,
        payload=f'{{"event":"{event}","n":{n}}}',
        status=status,
        created_at=created_at,
        attempts=0 if status == "pending" else 3,
        endpoint_id=endpoint_id,
        event_id=event_id if endpoint_id else None,
    )
    assert fakes.store.deliveries.create(record)
    return record


def replay(
    merchant: Merchant,
    since: str = at(0),
    until: str = at(23),
    status: str | None = None,
    event: str | None = None,
    endpoint_id: str | None = None,
) -> int:
    return webhooks.replay(merchant, ACTOR, since, until, status, event, endpoint_id)["count"]


def scheduled(fakes: Fakes) -> dict[str, int]:
    """The delivery jobs queued since the last call: delivery id -> generation."""
    return {job["delivery_id"]: job["generation"] for job in fakes.queues.take(queues.WEBHOOK_DELIVERIES)}


def test_a_replay_reschedules_what_was_created_from_since_up_to_until(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    before, first, middle, last = (delivery(fakes, n, at(hour)) for n, hour in enumerate((9, 10, 11, 12)))
    delivery(fakes, 9, at(11), merchant_id="m2")  # another merchant's, in the range
    assert replay(merchant, since=at(10), until=at(12)) == 2
    assert scheduled(fakes) == {first.id: 1, middle.id: 1}  # since is inclusive, until is not
    for record in (first, middle):
        stored = fakes.store.deliveries.get(record.id)
        # A new round: attempts go on counting, the round starts where they stand (the engine's rule).
        assert stored is not None and (stored.status, stored.generation, stored.round_start) == (
            "pending",
            1,
            record.attempts,
        )
    for record in (before, last):
        assert fakes.store.deliveries.get(record.id) == record


def test_status_event_and_endpoint_filters_narrow_a_replay(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    failed = delivery(fakes, 1, at(10))
    delivery(fakes, 2, at(10), status="success")
    refund = delivery(fakes, 3, at(10), event="refund.created")
    other = delivery(fakes, 4, at(10), endpoint_id=OTHER)
    assert replay(merchant, status="failed", event="payment.failed") == 2
    assert scheduled(fakes) == {failed.id: 1, other.id: 1}
    assert replay(merchant, event="refund.created") == 1
    assert scheduled(fakes) == {refund.id: 1}
    # The default endpoint's deliveries include those recorded before endpoints existed.
    assert replay(merchant, status="failed", endpoint_id=default_endpoint_id("m1")) == 0
    assert replay(merchant, status="pending", endpoint_id=default_endpoint_id("m1")) == 2
    assert scheduled(fakes) == {failed.id: 2, refund.id: 2}


def test_more_matches_than_the_bound_is_a_400_that_schedules_nothing(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    for n in range(webhook_log.MAX_REPLAY + 1):
        delivery(fakes, n, at(10, n % 60))
    with pytest.raises(BadRequest) as refused:
        replay(merchant)
    assert refused.value.field == "since"
    assert f"{webhook_log.MAX_REPLAY + 1} deliveries match" in str(refused.value)
    assert f"at most {webhook_log.MAX_REPLAY}" in str(refused.value)
    assert scheduled(fakes) == {}
    # One fewer in the range is within the bound: all of them, each once, over several pages.
    assert replay(merchant, since=at(10, 1)) == webhook_log.MAX_REPLAY - 16
    assert set(scheduled(fakes).values()) == {1}


def test_a_replay_reads_page_after_page_and_schedules_each_delivery_once(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    records = [delivery(fakes, n, at(10, n % 60)) for n in range(3 * webhook_log.REPLAY_PAGE + 7)]
    # By status: each page's resets move its deliveries out of the index the next page is read from.
    assert replay(merchant, status="failed") == len(records)
    assert scheduled(fakes) == {record.id: 1 for record in records}


def test_since_must_come_before_until(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    with pytest.raises(BadRequest) as refused:
        replay(merchant, since=at(12), until=at(12))
    assert refused.value.field == "since"


def test_a_replay_and_a_retry_of_one_delivery_schedule_it_once(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read generation 0; the second reset finds generation 1 and sends nothing."""
    merchant = add_merchant(fakes)
    record = delivery(fakes, 1, at(10))
    reset = fakes.store.deliveries.reset_for_retry
    both_read = threading.Barrier(2)

    def after_both_read(read: Delivery, generation: int) -> bool:
        both_read.wait(timeout=5)
        return reset(read, generation)

    monkeypatch.setattr(fakes.store.deliveries, "reset_for_retry", after_both_read)
    counts: list[int] = []
    racer = threading.Thread(target=lambda: counts.append(replay(merchant)))
    racer.start()
    webhooks.retry_now("m1", record.id)
    racer.join(timeout=5)
    jobs = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert [(job["delivery_id"], job["generation"]) for job in jobs] == [(record.id, 1)]
    stored = fakes.store.deliveries.get(record.id)
    assert stored is not None and stored.generation == 1
    assert counts in ([0], [1])


def test_a_replay_is_audited(fakes: Fakes) -> None:
    merchant = add_merchant(fakes)
    delivery(fakes, 1, at(10))
    replay(merchant, status="failed")
    [entry] = fakes.store.tables.audit.values()
    assert (entry.action, entry.entity_type, entry.entity_id, entry.actor_id) == (
        "webhook.replay",
        "merchant",
        "m1",
        "key_m1",
    )
    assert entry.summary == f"Replayed 1 webhook deliveries created from {at(0)} to {at(23)}, status failed"


def with_endpoint(monkeypatch: pytest.MonkeyPatch, endpoint: Endpoint) -> None:
    """The merchant's other endpoint, as the endpoint API's storage would give it."""
    monkeypatch.setattr(
        webhook_log, "endpoint_of", lambda merchant, endpoint_id: endpoint if endpoint_id == endpoint.id else None
    )


def test_an_endpoint_gets_the_events_it_missed_and_its_own_deliveries_again(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant = add_merchant(fakes)
    with_endpoint(monkeypatch, Endpoint(OTHER, "https://other.example/hooks", "sealed", at(0), ("payment.failed",)))
    got = delivery(fakes, 1, at(10))  # the event, and the endpoint's own delivery of it
    own = delivery(fakes, 1, at(10), endpoint_id=OTHER)
    missed = delivery(fakes, 2, at(11), status="success")
    unsubscribed = delivery(fakes, 3, at(11), event="refund.created")
    test_event = delivery(fakes, 4, at(11), event="webhook.test")
    assert replay(merchant, endpoint_id=OTHER) == 2
    created_id = delivery_id(missed.id, "m1", OTHER)
    assert scheduled(fakes) == {own.id: 1, created_id: 1}  # a missed event's delivery starts at generation 1
    created = fakes.store.deliveries.get(created_id)
    assert created is not None
    assert (created.event_id, created.endpoint_id, created.payload, created.timestamp, created.created_at) == (
        missed.id,
        OTHER,
        missed.payload,
        missed.timestamp,
        missed.created_at,
    )
    assert created.status == "pending" and created.attempts == 0
    for untouched in (got, missed, unsubscribed, test_event):
        assert fakes.store.deliveries.get(untouched.id) == untouched
    assert fakes.store.deliveries.get(delivery_id(unsubscribed.id, "m1", OTHER)) is None
    # Again: the delivery made the first time is found and rescheduled, never made twice.
    assert replay(merchant, endpoint_id=OTHER) == 2
    assert scheduled(fakes) == {own.id: 2, created_id: 2}
    # With a status, only the endpoint's own deliveries in that status.
    assert replay(merchant, endpoint_id=OTHER, status="pending") == 2
    assert scheduled(fakes) == {own.id: 3, created_id: 3}


def test_deliver_to_endpoint_creates_once(fakes: Fakes) -> None:
    event = delivery(fakes, 1, at(10))
    assert webhook_log.deliver_to_endpoint(event, OTHER) is True
    assert webhook_log.deliver_to_endpoint(event, OTHER) is False
    assert scheduled(fakes) == {delivery_id(event.id, "m1", OTHER): 1}


def test_a_replay_to_an_unknown_or_disabled_endpoint_is_refused(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    merchant = add_merchant(fakes)
    delivery(fakes, 1, at(10))
    with pytest.raises(BadRequest) as unknown:
        replay(merchant, endpoint_id=OTHER)
    assert unknown.value.field == "endpoint_id"
    disabled = Endpoint(OTHER, "https://other.example/hooks", "sealed", at(0), enabled=False, disabled_reason="gone")
    with_endpoint(monkeypatch, disabled)
    with pytest.raises(BadRequest) as refused:
        replay(merchant, endpoint_id=OTHER)
    assert refused.value.field == "endpoint_id"
    assert scheduled(fakes) == {}


def test_the_log_filters_by_endpoint_and_every_row_names_its_event_and_endpoint(fakes: Fakes) -> None:
    legacy = delivery(fakes, 1, at(10))
    other = delivery(fakes, 1, at(10), endpoint_id=OTHER)
    default = default_endpoint_id("m1")
    mine = delivery(fakes, 2, at(11), endpoint_id=default)
    everything = webhooks.list_deliveries("m1", 10, 0, None, None, None)
    assert everything.total == 3
    rows = {row["id"]: (row["event_id"], row["endpoint_id"]) for row in everything.items}
    assert rows == {legacy.id: (legacy.id, default), other.id: (legacy.id, OTHER), mine.id: (mine.id, default)}
    by_default = webhooks.list_deliveries("m1", 10, 0, None, None, None, default)
    assert [row["id"] for row in by_default.items] == [mine.id, legacy.id]
    assert by_default.total is None  # no counter per endpoint
    by_other = webhooks.list_deliveries("m1", 10, 0, None, "failed", None, OTHER)
    assert [row["id"] for row in by_other.items] == [other.id] and by_other.total is None
    # A delivery's own id addresses it; the event's id, the default endpoint's delivery.
    assert webhooks.get("m1", other.id)["endpoint_id"] == OTHER
    assert webhooks.get("m1", legacy.id)["endpoint_id"] == default
    assert webhooks.retry_now("m1", other.id)["id"] == other.id
    assert scheduled(fakes) == {other.id: 1}
    stored = fakes.store.deliveries.get(other.id)
    assert stored == replace(other, status="pending", generation=1, round_start=other.attempts)
