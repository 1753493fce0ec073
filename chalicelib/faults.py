"""Fault injection for the crash tests: FAULT_INJECT names the points where a function crashes.

Each named point crashes once per entity and process, so the redelivery that follows must
complete the work. Unset (always, outside tests), a fault point costs one set lookup.
"""

from __future__ import annotations

import threading

from .config import settings


class InjectedCrash(BaseException):
    """A BaseException, like a real crash, so no per-record error handler swallows it."""


class InjectedError(Exception):
    """`<point>:error` in FAULT_INJECT: an ordinary error instead of a crash, so the process lives
    on and the API answers 500 (a failure after a commit that the client sees)."""


_fired: set[tuple[str, str]] = set()
_lock = threading.Lock()


def fault_point(name: str, key: str) -> None:
    points = settings().fault_points
    if name in points:
        fault: type[BaseException] = InjectedCrash
    elif name + ":error" in points:
        fault = InjectedError
    else:
        return
    with _lock:
        if (name, key) in _fired:
            return
        _fired.add((name, key))
    raise fault(f"injected {fault.__name__} at {name} for {key}")
