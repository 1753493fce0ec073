"""Each queue's settings against the rules they follow: visibility at least six times its
function's timeout; maxReceiveCount at least every legitimate return of a waiting message."""

from __future__ import annotations

import pytest

from chalicelib import queues
from chalicelib.domain import retry
from chalicelib.jobs import redrive
from chalicelib.services import payments, refunds, webhook_delivery
from infra import queue_rules
from infra.resources import QUEUES

STAGES = sorted(queue_rules.chalice_stages())


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("spec", QUEUES, ids=lambda spec: spec.logical)
def test_visibility_is_at_least_six_times_the_function_timeout(stage: str, spec) -> None:
    assert spec.visibility_timeout >= 6 * queue_rules.function_timeout(spec.function, stage)


def hides(wait: int, limit: int = queues.MAX_VISIBILITY_SECONDS) -> list[int]:
    """The visibility changes one wait takes when each lasts at most `limit`."""
    chunks = []
    while wait > 0:
        chunks.append(min(wait, limit))
        wait -= chunks[-1]
    return chunks


def webhook_receives_walked(waits: tuple[int, ...]) -> int:
    """One delivery's receives, walked through its schedule: each attempt is a receive, each
    wait a hide per 12-hour chunk (the first chunk ends in the next attempt's receive)."""
    receives = 1  # attempt 1
    for attempt in range(2, retry.MAX_ATTEMPTS + 1):
        wait = waits[attempt - 2]
        receives += len(hides(wait))  # the last chunk's return is attempt n
    return receives


def test_the_webhook_queue_allows_every_attempt_of_the_retry_schedule() -> None:
    spec = next(spec for spec in QUEUES if spec.logical == queues.WEBHOOK_DELIVERIES)
    walked = webhook_receives_walked(retry.PRODUCTION_WAITS)
    orphan_polls = webhook_delivery.ORPHAN_AFTER_SECONDS  # RetryAfter(1) until the orphan is given up
    assert walked == retry.MAX_ATTEMPTS  # today every wait fits one visibility change
    assert spec.max_receive_count >= walked + orphan_polls + redrive.FAILURE_REDELIVERIES


@pytest.mark.parametrize(
    ("logical", "grace"),
    [
        (queues.PAYMENT_JOBS, payments.MISSING_PAYMENT_GRACE_SECONDS),
        (queues.REFUND_JOBS, refunds.MISSING_REFUND_GRACE_SECONDS),
    ],
)
def test_a_job_queue_allows_its_polls_its_wait_and_its_failures(logical: str, grace: int) -> None:
    spec = next(spec for spec in QUEUES if spec.logical == logical)
    wait_then_decide = 2
    assert spec.max_receive_count >= wait_then_decide + grace + redrive.FAILURE_REDELIVERIES


def test_a_longer_schedule_raises_the_budget() -> None:
    """A wait beyond SQS's 12-hour visibility maximum costs extra receives, counted."""
    waits = (60, 300, 30 * 3600, 7200)
    budget = redrive.webhook_budget(waits)
    assert budget.long_waits == 2 == webhook_receives_walked(waits) - retry.MAX_ATTEMPTS
    assert budget.total == redrive.webhook_budget().total + 2


def test_extra_receives_of_a_wait() -> None:
    assert [redrive.extra_receives(w) for w in (0, 1, 43200, 43201, 86400, 86401)] == [0, 0, 0, 1, 1, 2]
    assert redrive.extra_receives(901, queues.MAX_DELAY_SECONDS) == 1


def test_the_error_backoff_grows_to_its_cap_within_the_failure_budget() -> None:
    backoffs = [redrive.error_backoff_seconds(n) for n in range(1, 12)]
    assert backoffs[:4] == [1, 2, 4, 8] and backoffs[-1] == redrive.ERROR_BACKOFF_CAP_SECONDS
    assert backoffs == sorted(backoffs)
    span = sum(backoffs[: redrive.FAILURE_REDELIVERIES])
    assert 4 * 60 <= span <= 6 * 60, "ten failures should outlast a short outage (minutes)"
    # A poison message fails on every receive the queue allows: it reaches the DLQ within ~1 h.
    every = sum(
        redrive.error_backoff_seconds(n) for n in range(1, redrive.max_receive_count(queues.WEBHOOK_DELIVERIES))
    )
    assert every <= 75 * 60
