"""When a failed webhook delivery is tried again."""

from __future__ import annotations

MAX_ATTEMPTS = 5
PRODUCTION_WAITS = (60, 300, 1800, 7200)
TEST_WAITS = (5, 10, 15, 20)


def wait_before_attempt(next_attempt: int, test_intervals: bool) -> int | None:
    """Seconds between the start of attempt n-1 and attempt n; None once attempts run out."""
    waits = TEST_WAITS if test_intervals else PRODUCTION_WAITS
    if next_attempt < 2 or next_attempt > MAX_ATTEMPTS:
        return None
    return waits[next_attempt - 2]
