"""A message received again by the process still making (or having made) its attempt: one POST.

The test stacks' 3 s visibility and a slow cold start had one message received four times and
POSTed four times at once (the engine has no claim); these tests hold the guard to its word."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chalicelib import queues
from chalicelib.domain import clock
from chalicelib.jobs.outcomes import Finished, RetryAfter
from chalicelib.services import webhook_delivery, webhook_endpoints, webhooks
from chalicelib.services.webhook_http import Observation
from chalicelib.services.webhook_receipts import DONE, IN_FLIGHT, Receipts, key_of
from tests.unit.services.conftest import ACTOR, Fakes, add_merchant

URL = "https://merchant.example/hooks"


def a_first_job(fakes: Fakes) -> dict[str, Any]:
    record = webhooks.event_record("m1", "payment.created", "payment", {"id": "pay_1", "amount": 1}, clock.now())
    assert fakes.store.deliveries.create(record)
    webhooks.dispatch([record])
    [job] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    return job


def test_receipts_of_one_attempt_in_one_process_post_once(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    add_merchant(fakes, webhook_url=URL)
    monkeypatch.setattr(webhook_delivery, "receipts", Receipts())
    job = a_first_job(fakes)
    inside, release = threading.Event(), threading.Event()
    posts: list[bytes] = []

    def slow_receiver(url: str, body: bytes, *args: Any, **kwargs: Any) -> Observation:
        posts.append(body)
        inside.set()
        assert release.wait(10)
        return Observation(200, "ok", None, 5)

    monkeypatch.setattr(webhook_delivery, "post", slow_receiver)
    outcomes: list[Any] = []
    first = threading.Thread(target=lambda: outcomes.append(webhooks.deliver(job, 0)))
    first.start()
    assert inside.wait(10)
    # The same message again while the first receipt waits on the receiver: it waits its turn.
    again = webhooks.deliver(job, 0)
    assert isinstance(again, RetryAfter) and again.seconds >= 1
    release.set()
    first.join(10)
    assert outcomes == [Finished("success")]
    # And once more after the first finished: retired without a POST.
    assert webhooks.deliver(job, 0) == Finished("superseded")
    assert len(posts) == 1


def test_an_attempt_that_raised_is_not_remembered_as_done() -> None:
    guard = Receipts()
    key = key_of({"delivery_id": "evt_1", "generation": 0, "attempt": 0})
    assert guard.begin(key) is None
    assert guard.begin(key) == IN_FLIGHT
    guard.end(key, finished=False)  # it raised: its redelivery must try again
    assert guard.begin(key) is None
    guard.end(key, finished=True)
    assert guard.begin(key) == DONE
    # Another attempt of the same delivery (the next number, or a manual retry's generation) goes.
    assert guard.begin(key_of({"delivery_id": "evt_1", "generation": 0, "attempt": 1})) is None
    assert guard.begin(key_of({"delivery_id": "evt_1", "generation": 1, "attempt": 1})) is None


def test_what_is_remembered_is_bounded() -> None:
    guard = Receipts(recent=3)
    keys = [key_of({"delivery_id": f"evt_{n}", "generation": 0, "attempt": 0}) for n in range(5)]
    for key in keys:
        assert guard.begin(key) is None
        guard.end(key, finished=True)
    assert [guard.begin(key) for key in keys[2:]] == [DONE, DONE, DONE]
    assert guard.begin(keys[0]) is None  # forgotten: the conditional write is what stops it then


def test_an_attempt_whose_fan_out_was_refused_is_made_again_by_its_redelivery(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch, sealing: None
) -> None:
    """The attempt is recorded, but SQS refuses the fan-out the batch held: the record fails and
    comes back to this same process, which must fan out again rather than retire it as done
    (no other endpoint's delivery has an item yet, so nothing else would ever find it)."""
    add_merchant(fakes, webhook_url=URL)
    other = webhook_endpoints.create("m1", URL + "/other", None, None, actor=ACTOR)
    monkeypatch.setattr(webhook_delivery, "receipts", Receipts())
    monkeypatch.setattr(webhook_delivery, "post", lambda *args, **kwargs: Observation(200, "ok", None, 5))
    job = a_first_job(fakes)

    def refused(*args: Any) -> None:
        raise ConnectionError("SQS is unreachable")

    held = queues.Collector()
    with queues.collecting(held, "message-1"):
        assert webhooks.deliver(job, 0) == Finished("success")
    with monkeypatch.context() as down:
        down.setattr(fakes.queues, "send", refused)
        assert held.flush() == {"message-1"}  # the record fails: SQS redelivers the message
    assert fakes.queues.take(queues.WEBHOOK_DELIVERIES) == []

    again = queues.Collector()
    with queues.collecting(again, "message-1"):
        assert webhooks.deliver(job, 0) == Finished("superseded")  # its own attempt: recorded once
    assert again.flush() == set()
    [fanned] = fakes.queues.take(queues.WEBHOOK_DELIVERIES)
    assert fanned["endpoint_id"] == other["id"] and fanned["delivery_id"] != job["delivery_id"]
    # Had the flush succeeded, the next receipt would have been retired without any work.
    assert webhooks.deliver(job, 0) == Finished("superseded")
    assert fakes.queues.take(queues.WEBHOOK_DELIVERIES) == []
