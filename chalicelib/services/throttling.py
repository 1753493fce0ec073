"""Throttling: dashboard logins and the publishable-key endpoints spend budgets kept in the store
(chalicelib/domain/throttle.py says how windows are named), so every function instance counts
against the same budget. A spent budget is a 429 with Retry-After, decided before any other work
(before scrypt, for a login)."""

from __future__ import annotations

from ..config import settings
from ..domain import clock
from ..domain import throttle as rules
from ..domain.errors import TooManyRequests
from ..domain.throttle import Budget, Window
from ..store import store

# A login is counted before its password is checked, so that racing attempts cannot run more
# scrypts than the budget; a successful one gives its counts back (see login_succeeded).


def _now() -> float:
    return clock.now().timestamp()


def _login_windows(email: str, source_ip: str | None, now: float) -> tuple[Window, Window]:
    config = settings()
    ip = rules.ip_subject(source_ip)
    return (
        rules.window(
            rules.LOGIN_ACCOUNT_IP,
            f"{rules.account_subject(email)}#{ip}",
            Budget(config.login_failures_per_account_ip, config.login_window_seconds),
            now,
        ),
        rules.window(rules.LOGIN_IP, ip, Budget(config.login_failures_per_ip, config.login_window_seconds), now),
    )


def _spend(windows: tuple[Window, ...], now: float, description: str) -> None:
    """One attempt on each window, in order; at the first that is spent, give back what this
    attempt took from the ones before it and answer 429."""
    taken: list[Window] = []
    for window in windows:
        if not store().throttle.take(window):
            for earlier in taken:
                store().throttle.give_back(earlier)
            wait = window.retry_after(now)
            raise TooManyRequests(f"{description}; try again in {wait} s", retry_after=wait)
        taken.append(window)


def login_attempt(email: str, source_ip: str | None) -> None:
    """Before the password is checked: count the attempt against (account, IP), then against the
    IP. The account's own window comes first, so that one account hammered from an IP does not
    also spend that IP's budget for the other accounts behind it (an office's NAT)."""
    now = _now()
    _spend(_login_windows(email, source_ip, now), now, "Too many failed logins")


def login_succeeded(email: str, source_ip: str | None) -> None:
    """The password was right: the (account, IP) window starts again (its owner is back), and the
    IP window loses this attempt only (the failures for other accounts behind it still count)."""
    account_ip, ip = _login_windows(email, source_ip, _now())
    store().throttle.clear(account_ip)
    store().throttle.give_back(ip)


def public_ip(write: bool, source_ip: str | None) -> None:
    """A publishable-key call, per client IP: checked before the key is looked up, so that
    guessing keys spends the budget too."""
    config = settings()
    now = _now()
    limit = config.public_writes_per_ip if write else config.public_reads_per_ip
    budget = Budget(limit, config.public_window_seconds)
    scope = rules.PUBLIC_WRITE_IP if write else rules.PUBLIC_READ_IP
    _spend((rules.window(scope, rules.ip_subject(source_ip), budget, now),), now, "Too many requests from this address")


def endpoint_check(merchant_id: str) -> None:
    """A receiver self-check, per merchant: each sends requests to a URL the merchant chose, so
    the gateway must not be usable to hammer it (THROTTLE_ENDPOINT_CHECKS_PER_MINUTE)."""
    now = _now()
    budget = Budget(settings().endpoint_checks_per_minute, rules.ENDPOINT_CHECK_WINDOW_SECONDS)
    _spend((rules.window(rules.ENDPOINT_CHECK, merchant_id, budget, now),), now, "Too many receiver checks")


def public_key(write: bool, api_key: str) -> None:
    """A publishable-key call, per key: only for a key that exists (an unknown one is a 401, and
    counts nowhere but the IP's budget)."""
    config = settings()
    now = _now()
    limit = config.public_writes_per_key if write else config.public_reads_per_key
    budget = Budget(limit, config.public_window_seconds)
    scope = rules.PUBLIC_WRITE_KEY if write else rules.PUBLIC_READ_KEY
    _spend((rules.window(scope, api_key, budget, now),), now, "Too many requests with this key")
