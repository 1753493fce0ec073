"""When a failed webhook delivery is tried again: the schedule, its jitter, and `Retry-After`."""

from __future__ import annotations

import random
from datetime import datetime
from email.utils import parsedate_to_datetime

MAX_ATTEMPTS = 5
PRODUCTION_WAITS = (60, 300, 1800, 7200)
TEST_WAITS = (5, 10, 15, 20)
JITTER = 0.1  # each wait is drawn within ±10% of the schedule's, so failed bursts do not retry in step
MIN_RETRY_AFTER_SECONDS = 1


def wait_before_attempt(next_attempt: int, test_intervals: bool) -> int | None:
    """Seconds between the start of attempt n-1 and attempt n; None once attempts run out."""
    waits = TEST_WAITS if test_intervals else PRODUCTION_WAITS
    if next_attempt < 2 or next_attempt > MAX_ATTEMPTS:
        return None
    return waits[next_attempt - 2]


def jittered(seconds: float, rng: random.Random | None = None) -> float:
    """`seconds` ±10%, uniformly: `rng` is seeded in tests, the process's generator otherwise."""
    return seconds * (rng or _rng).uniform(1 - JITTER, 1 + JITTER)


def longest_wait(test_intervals: bool) -> int:
    """The cap on a receiver's `Retry-After`: never longer than the schedule's own longest wait."""
    return max(TEST_WAITS if test_intervals else PRODUCTION_WAITS)


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """A `Retry-After` header's wait (RFC 9110: delay-seconds or an HTTP date), or None when it
    is absent or unreadable. Not capped here (see next_wait)."""
    if header is None or not header.strip():
        return None
    value = header.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None  # RFC 9110 dates are GMT; an unzoned one is not a date we can trust
    return (when - now).total_seconds()


def next_wait(
    next_attempt: int,
    test_intervals: bool,
    retry_after: str | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before attempt `next_attempt`, or None once attempts run out. A receiver's
    `Retry-After` replaces the schedule's wait (it knows when it will be back), between 1 s and
    the schedule's longest wait: it never buys more attempts, nor parks a delivery for days."""
    scheduled = wait_before_attempt(next_attempt, test_intervals)
    if scheduled is None:
        return None
    asked = retry_after_seconds(retry_after, now or datetime.now().astimezone()) if retry_after else None
    if asked is not None:
        return min(max(asked, MIN_RETRY_AFTER_SECONDS), longest_wait(test_intervals))
    return jittered(scheduled, rng)


_rng = random.Random()
