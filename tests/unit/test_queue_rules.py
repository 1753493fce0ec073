"""Each queue's settings against the rules they follow: visibility at least six times its
function's timeout; maxReceiveCount at least every legitimate return of a waiting message."""

from __future__ import annotations

import pytest

from chalicelib import queues
from chalicelib.jobs import redrive
from chalicelib.services import payments, refunds
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


def test_a_webhook_message_is_received_once_plus_failures() -> None:
    """Each attempt, and each 15-minute chunk of a wait, is a new message: only crashes and
    errors bring one back, so its budget is one receive plus the failures'."""
    spec = next(spec for spec in QUEUES if spec.logical == queues.WEBHOOK_DELIVERIES)
    assert spec.max_receive_count == 1 + redrive.FAILURE_REDELIVERIES == redrive.webhook_budget().total


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
