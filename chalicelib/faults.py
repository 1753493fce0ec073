"""Fault injection for the crash tests: FAULT_INJECT names the points where a function crashes.

Each named point crashes once per entity and process, so the redelivery that follows must
complete the work. Unset (always, outside tests), a fault point costs one set lookup.
"""

from __future__ import annotations

import threading

from .config import settings


class InjectedCrash(BaseException):
    """A BaseException, like a real crash, so no per-record error handler swallows it."""


_fired: set[tuple[str, str]] = set()
_lock = threading.Lock()


def fault_point(name: str, key: str) -> None:
    if name not in settings().fault_points:
        return
    with _lock:
        if (name, key) in _fired:
            return
        _fired.add((name, key))
    raise InjectedCrash(f"injected crash at {name} for {key}")
