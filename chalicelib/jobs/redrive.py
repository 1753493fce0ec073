"""How many times a job's message may come back before SQS moves it to the dead-letter queue.

A payment or refund job's message legitimately returns many times while it waits: once per
chunk of a wait longer than SQS's 12-hour visibility maximum (or SendMessage's 15-minute delay),
and once a second while a job polls for the write it outran (a webhook delivery's message never
returns by design: each attempt and each chunk of a wait is a new message). Its queue's maxReceiveCount must
allow all of that plus a budget of redeliveries after crashes and errors, or healthy work is
dead-lettered. infra/resources.py sets each queue's maxReceiveCount from receive_budgets(); the
batch runner reads it back to tell when a failure is a message's last (the DLQ-bound metric).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from .. import queues
from ..domain import payments as payment_rules
from ..domain import refunds as refund_rules
from ..services import payments, refunds

FAILURE_REDELIVERIES = 10
"""Receives allowed for crashes and raised errors on top of the legitimate ones: with the error
backoff below (1, 2, 4 ... 60 s), ten failures span about 5 minutes, so a
short DynamoDB or network outage does not dead-letter healthy work, and the polls' share of the
budget stretches that to about an hour; a poison message reaches the dead-letter queue (and its
alarm) within about an hour."""

POLL_SECONDS = 1
"""The wait of a job that outran the write before it (RetryAfter(1) in the services)."""

LONGEST_PROCESSING_DELAY_SECONDS = math.ceil(
    max(payment_rules.LIVE_DELAY_RANGE_MS[1], refund_rules.LIVE_DELAY_RANGE_MS[1]) / 1000
)
"""The longest wait of a job for its simulated outcome (chalicelib/domain/payments.py, refunds.py)."""


@dataclass(frozen=True)
class ReceiveBudget:
    """The receives one message may legitimately take, by cause."""

    work: int  # receives that do the job: one per webhook attempt, or the wait then the decision
    long_waits: int  # extra receives where a wait exceeds SQS's visibility or delay maximum
    polls: int  # receives spent polling for a write the job outran, or for an orphan's reset
    failures: int  # redeliveries after crashes and raised errors

    @property
    def total(self) -> int:
        return self.work + self.long_waits + self.polls + self.failures


def extra_receives(wait_seconds: int, limit_seconds: int = queues.MAX_VISIBILITY_SECONDS) -> int:
    """Receives beyond the first that a wait takes when each hiding lasts at most `limit_seconds`:
    the job comes back early, finds its due time still ahead and hides again."""
    return max(0, math.ceil(wait_seconds / limit_seconds) - 1)


def webhook_budget() -> ReceiveBudget:
    """A delivery message does one thing once: an attempt, or sending itself again with the
    rest of its wait. Every retry and every 15-minute chunk of a wait is a new message
    (services/webhook_delivery.py), so only crashes and errors bring one back."""
    return ReceiveBudget(work=1, long_waits=0, polls=0, failures=FAILURE_REDELIVERIES)


def job_budget(grace_seconds: int, longest_wait_seconds: int = LONGEST_PROCESSING_DELAY_SECONDS) -> ReceiveBudget:
    """A payment or refund job: delivered up to 15 minutes late at most (SendMessage's delay
    limit), it waits for its due time, then decides."""
    return ReceiveBudget(
        work=2,
        long_waits=extra_receives(longest_wait_seconds, queues.MAX_DELAY_SECONDS)
        + extra_receives(longest_wait_seconds),
        polls=grace_seconds // POLL_SECONDS,
        failures=FAILURE_REDELIVERIES,
    )


@cache
def receive_budgets() -> dict[str, ReceiveBudget]:
    return {
        queues.PAYMENT_JOBS: job_budget(payments.MISSING_PAYMENT_GRACE_SECONDS),
        queues.REFUND_JOBS: job_budget(refunds.MISSING_REFUND_GRACE_SECONDS),
        queues.WEBHOOK_DELIVERIES: webhook_budget(),
    }


def error_backoff_seconds(receive_count: int) -> int:
    """How long a message whose job raised stays hidden: 1, 2, 4 ... 32, then 60 s. Shorter
    than the crash-safe visibility timeout (6 x the function's timeout), so a transient error
    costs seconds, and growing, so an outage does not spin."""
    return min(2 ** max(receive_count - 1, 0), ERROR_BACKOFF_CAP_SECONDS)


ERROR_BACKOFF_CAP_SECONDS = 60


def max_receive_count(logical: str) -> int:
    """The queue's maxReceiveCount, as infra/resources.py sets it."""
    return receive_budgets()[logical].total
