"""Chaos mode on the in-memory Store: each behaviour at rate 1.0 (or a seeded draw), what the
receiver sees, what the delivery log marks, and that a naive receiver is caught where an
idempotent one is not. Refused where CHAOS_ENABLED is off."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import queues
from chalicelib.config import settings
from chalicelib.domain import chaos as chaos_rules
from chalicelib.domain import clock
from chalicelib.domain.endpoints import default_endpoint_id
from chalicelib.domain.errors import BadRequest
from chalicelib.jobs.outcomes import Finished
from chalicelib.services import merchants, webhook_delivery, webhooks
from chalicelib.services import webhook_endpoints as endpoints
from chalicelib.services.webhook_http import Observation
from chalicelib.services.webhook_receipts import Receipts
from chalicelib.store.records import Delivery

from .conftest import ACTOR, Clock, Fakes

pytestmark = pytest.mark.usefixtures("sealing")
URL = "http://127.0.0.1:9/hooks"


class Receiver:
    """Answers 200 to every POST; counts what a naive receiver would process (every POST) and
    what an idempotent one would (each webhook-id once)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float, block: bool) -> Observation:
        self.posts.append({"body": body, "headers": dict(headers)})
        return Observation(200, "ok", None, 1)

    def naive_count(self) -> int:
        return len(self.posts)

    def idempotent_count(self) -> int:
        return len({post["headers"]["webhook-id"] for post in self.posts})

    def events(self) -> list[str]:
        return [post["body"].decode().split('"event":"')[1].split('"')[0] for post in self.posts]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    fake = Receiver()
    monkeypatch.setattr(webhook_delivery, "post", fake)
    return fake


@pytest.fixture
def shop(fakes: Fakes) -> str:
    merchant, _, _ = merchants.create("Shop", "shop@example.test", None, webhook_url=URL)
    return merchant.id


def with_chaos(shop: str, **rates: Any) -> None:
    endpoints.update(shop, default_endpoint_id(shop), {"chaos": rates}, actor=ACTOR)


def record(fakes: Fakes, shop: str, event: str = "payment.success", entity_id: str = "pay_1") -> Delivery:
    created = webhooks.event_record(shop, event, "payment", {"id": entity_id, "amount": 1}, clock.now())
    assert fakes.store.deliveries.create(created)
    webhooks.dispatch([created])
    return created


def run_queue(fakes: Fakes, time: Clock, rng: random.Random | None = None, limit: int = 20) -> list[Any]:
    """Deliver every queued message as SQS would: each when its delay has passed, in that order."""
    outcomes = []
    for _ in range(limit):
        sent = sorted(
            (s for s in fakes.queues.sent if s.queue == queues.WEBHOOK_DELIVERIES), key=lambda s: s.delay_seconds
        )
        if not sent:
            return outcomes
        first = sent[0]
        fakes.queues.sent.remove(first)
        for other in fakes.queues.sent:  # time passes for the messages still waiting
            object.__setattr__(other, "delay_seconds", max(0, other.delay_seconds - first.delay_seconds))
        time.advance(first.delay_seconds)
        outcomes.append(webhook_delivery.deliver(first.job, 0, rng=rng))
    raise AssertionError("the queue never emptied")


def attempts_of(fakes: Fakes, delivery_id: str) -> list[dict[str, Any]]:
    found = fakes.store.deliveries.get(delivery_id)
    assert found is not None
    return list(found.attempt_log)


def test_chaos_is_refused_where_chaos_mode_is_off(shop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAOS_ENABLED", "false")
    settings.cache_clear()
    with pytest.raises(BadRequest) as refused:
        with_chaos(shop, duplicate=0.5)
    assert refused.value.field == "chaos" and "CHAOS_ENABLED" in refused.value.description
    with pytest.raises(BadRequest):
        endpoints.create(shop, "https://example.test/x", None, None, actor=ACTOR, chaos={"crash": 1})
    # Turning it off is always allowed (a stage that stopped allowing it).
    off = endpoints.update(shop, default_endpoint_id(shop), {"chaos": None}, actor=ACTOR)
    assert off["chaos"] is None


def test_chaos_settings_are_checked_and_shown(shop: str) -> None:
    with_chaos(shop, duplicate=0.2, crash=1)
    shown = endpoints.get(shop, default_endpoint_id(shop))["chaos"]
    assert shown == {"duplicate": 0.2, "reorder": 0.0, "delay": 0.0, "crash": 1.0, "delay_seconds": 10}
    for bad in ({"duplicate": 1.5}, {"crash": -0.1}, {"delay": True}, {"delay_seconds": 0}, {"storm": 1}):
        with pytest.raises(BadRequest):
            with_chaos(shop, **bad)
    with_chaos(shop, duplicate=0, delay_seconds=5)  # every rate 0: off
    assert endpoints.get(shop, default_endpoint_id(shop))["chaos"] is None


def test_a_duplicate_is_the_same_request_twice_and_catches_a_naive_receiver(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock
) -> None:
    with_chaos(shop, duplicate=1.0)
    event = record(fakes, shop)
    assert run_queue(fakes, time) == [Finished("success")]
    first, second = receiver.posts
    assert first == second, "same body, same webhook-id, same signature"
    assert receiver.naive_count() == 2 and receiver.idempotent_count() == 1
    [attempt] = attempts_of(fakes, event.id)
    assert attempt["chaos"] == "duplicate" and attempt["response_code"] == 200


def test_a_crash_redelivers_after_the_post_and_only_the_first_attempt_is_chaos(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock
) -> None:
    with_chaos(shop, crash=1.0)
    event = record(fakes, shop)
    started = clock.now()
    assert run_queue(fakes, time) == [Finished("retrying"), Finished("success")]
    assert clock.now() - started == timedelta(seconds=chaos_rules.CRASH_REDELIVERY_SECONDS)
    assert receiver.naive_count() == 2 and receiver.idempotent_count() == 1
    assert receiver.posts[0]["body"] == receiver.posts[1]["body"]
    crashed, redelivered = attempts_of(fakes, event.id)
    assert crashed["chaos"] == "crash" and crashed["response_code"] == 200
    assert "chaos" not in redelivered and redelivered["response_code"] == 200
    delivered = fakes.store.deliveries.get(event.id)
    assert delivered is not None and (delivered.status, delivered.attempts) == ("success", 2)


def test_a_delay_holds_the_first_message_without_retiring_it(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The in-process guard as in production: the held message comes back under the same key.
    monkeypatch.setattr(webhook_delivery, "receipts", Receipts())
    with_chaos(shop, delay=1.0, delay_seconds=30)
    event = record(fakes, shop)
    [first] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert webhook_delivery.deliver(first, 0) == Finished(webhook_delivery.CHAOS_HELD)
    assert not receiver.posts
    [held] = fakes.queues.sent
    assert held.delay_seconds == 30 and held.job["chaos_held"] == ["delay"] and "fan_out" not in held.job
    assert run_queue(fakes, time) == [Finished("success")]
    assert receiver.naive_count() == 1
    [attempt] = attempts_of(fakes, event.id)
    assert attempt["chaos"] == "delay" and attempt["at"] == clock.iso(clock.now())


def test_reorder_lets_a_later_event_of_the_payment_overtake_an_earlier_one(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock
) -> None:
    with_chaos(shop, reorder=1.0, delay_seconds=60)
    created = record(fakes, shop, "payment.created")
    success = record(fakes, shop, "payment.success")
    # Seeded: the first event's hold is drawn longer than the second's.
    run_queue(fakes, time, rng=random.Random(3))
    assert receiver.events() == ["payment.success", "payment.created"]
    for event in (created, success):
        [attempt] = attempts_of(fakes, event.id)
        assert attempt["chaos"] == "reorder"


def test_every_behaviour_at_once_double_counts_only_for_a_naive_receiver(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock
) -> None:
    with_chaos(shop, duplicate=1.0, reorder=1.0, delay=1.0, crash=1.0, delay_seconds=5)
    for n in range(3):
        record(fakes, shop, entity_id=f"pay_{n}")
    run_queue(fakes, time, rng=random.Random(7))
    per_event = Counter(post["headers"]["webhook-id"] for post in receiver.posts)
    assert receiver.idempotent_count() == 3
    assert set(per_event.values()) == {3}, "two POSTs of the crashed attempt, one redelivery"


def test_chaos_does_nothing_where_the_stage_turned_it_off_later(
    shop: str, fakes: Fakes, receiver: Receiver, time: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_chaos(shop, duplicate=1.0, crash=1.0, delay=1.0)
    monkeypatch.setenv("CHAOS_ENABLED", "false")
    settings.cache_clear()
    event = record(fakes, shop)
    assert run_queue(fakes, time) == [Finished("success")]
    assert receiver.naive_count() == 1
    [attempt] = attempts_of(fakes, event.id)
    assert "chaos" not in attempt
