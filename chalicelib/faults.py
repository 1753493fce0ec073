"""Fault injection for the crash tests: FAULT_INJECT names the points where a function crashes.

Each named point crashes once per entity and process, so the redelivery that follows must
complete the work. Unset (always, outside tests), a fault point costs one set lookup.
"""

from __future__ import annotations

import threading

from .config import settings


class InjectedCrash(BaseException):
    """A BaseException, like a real crash, so no per-record error handler swallows it."""


class InjectedFailure(RuntimeError):
    """An ordinary error, as a refused AWS call raises: the code's own error handling meets it."""


_fired: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _fires(name: str, key: str) -> bool:
    if name not in settings().fault_points:
        return False
    with _lock:
        if (name, key) in _fired:
            return False
        _fired.add((name, key))
    return True


def fault_point(name: str, key: str) -> None:
    if _fires(name, key):
        raise InjectedCrash(f"injected crash at {name} for {key}")


def fault_failure(name: str, key: str) -> None:
    """Like fault_point, but the step fails instead of the process crashing (e.g. SQS refusing a
    send after the API's transaction committed)."""
    if _fires(name, key):
        raise InjectedFailure(f"injected failure at {name} for {key}")
