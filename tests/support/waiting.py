"""Waiting for a condition instead of sleeping for a guess."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from chalicelib.domain import throttle

T = TypeVar("T")


# The default deadline guards against a hang; it measures nothing. It is wide because CI runs four
# workers, each with its stages' processes, a JVM and Chromium, on two cores: a step that takes a
# second on an idle machine took over 20 s there. A test whose subject is a bound passes its own.
DEFAULT_DEADLINE_SECONDS = 60.0


def eventually(
    probe: Callable[[], T],
    timeout: float = DEFAULT_DEADLINE_SECONDS,
    interval: float = 0.05,
    message: str = "condition",
) -> T:
    """Call `probe` until it returns something truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}; last value: {last!r}")
        time.sleep(interval)


def time_left_in_window(window_seconds: int, needed: float) -> None:
    """Throttle windows start on multiples of their length (throttle.window), so a test that
    counts within one window fails if a boundary falls in the middle of it: when less than
    `needed` seconds are left of the current window, this waits for the next one. The stage runs
    on this host's clock, so both sides agree on where the boundary is."""
    now = time.time()
    left = throttle.window("test", "test", throttle.Budget(1, window_seconds), now).end - now
    if left < needed:
        time.sleep(left + 0.05)
