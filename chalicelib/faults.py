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
    """An ordinary error, as a refused AWS call raises: the process lives on and the code's own
    error handling meets it (the API answers 500 where nothing handles it). `<point>:error` in
    FAULT_INJECT asks for it at a fault point; fault_failure's points always fail so."""


_fired: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _fires(name: str, key: str) -> bool:
    with _lock:
        if (name, key) in _fired:
            return False
        _fired.add((name, key))
    return True


def fault_point(name: str, key: str) -> None:
    points = settings().fault_points
    if name in points:
        fault: type[BaseException] = InjectedCrash
    elif name + ":error" in points:
        fault = InjectedFailure
    else:
        return
    if _fires(name, key):
        raise fault(f"injected {fault.__name__} at {name} for {key}")


def fault_failure(name: str, key: str) -> None:
    """Like fault_point, but the step fails instead of the process crashing (e.g. SQS refusing a
    send after the API's transaction committed)."""
    points = settings().fault_points
    if (name in points or name + ":error" in points) and _fires(name, key):
        raise InjectedFailure(f"injected failure at {name} for {key}")
