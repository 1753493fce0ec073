"""Throttling rules: fixed-window budgets of attempts, with no storage behind them.

A budget allows `limit` attempts per `window_seconds`. Windows are aligned to the epoch
(`start = now - now % window`), so every function instance names the same window for the same
moment and the window's start is part of the counter's key: a counter of a past window is never
addressed again, whether or not DynamoDB's TTL has deleted it yet (docs/decisions.md,
"Throttling").
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

# Counters outlive their window by this much before TTL may delete them: long enough that an
# operator can still read why a caller was throttled, short enough that the table stays small.
KEEP_AFTER_WINDOW_SECONDS = 3600

# What the counters count. A scope and its subject make the counter's key.
LOGIN_ACCOUNT_IP = "login-account-ip"  # failed dashboard logins, per (email, client IP)
LOGIN_IP = "login-ip"  # failed dashboard logins, per client IP, across accounts
PUBLIC_WRITE_KEY = "public-write-key"  # public-key writes (payments), per publishable key
PUBLIC_WRITE_IP = "public-write-ip"  # the same, per client IP
PUBLIC_READ_KEY = "public-read-key"  # public-key reads (checkout's order and status polls), per key
PUBLIC_READ_IP = "public-read-ip"  # the same, per client IP
ENDPOINT_CHECK = "endpoint-check"  # receiver self-checks, per merchant (each POSTs to its URL)
ENDPOINT_CHECK_WINDOW_SECONDS = 60

UNKNOWN_IP = "unknown"


@dataclass(frozen=True)
class Budget:
    limit: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds < 1:
            raise ValueError(f"a budget needs a limit and a window of at least 1, not {self}")


@dataclass(frozen=True)
class Window:
    """One counter: the attempts of one subject in one window of its budget."""

    key: str
    limit: int
    start: int  # epoch seconds, inclusive
    end: int  # epoch seconds, exclusive

    @property
    def expires_at(self) -> int:
        """When TTL may delete the counter (epoch seconds)."""
        return self.end + KEEP_AFTER_WINDOW_SECONDS

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends (at least 1): Retry-After's value."""
        return max(1, math.ceil(self.end - now))


def window(scope: str, subject: str, budget: Budget, now: float) -> Window:
    start = int(now) - int(now) % budget.window_seconds
    return Window(f"{scope}#{subject}#{start}", budget.limit, start, start + budget.window_seconds)


def account_subject(email: str) -> str:
    """An email as a counter's subject: hashed, so the table holds no address and every key has
    the same bounded size whatever the caller typed."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def ip_subject(source_ip: str | None) -> str:
    """The caller's address as API Gateway saw it; never a header the caller wrote."""
    return (source_ip or "").strip()[:64] or UNKNOWN_IP
