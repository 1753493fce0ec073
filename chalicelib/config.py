"""Settings, read from the environment once per process.

Every knob the gateway has is here, with its default; README.md lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


class ConfigError(ValueError):
    """A setting with a value the gateway does not accept: the message names it and what it takes."""


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def flag_value(name: str, raw: str | None, default: bool) -> bool:
    """A boolean setting: unset or empty is the default; anything but the accepted words is an
    error, never a silent false (a typo in TEST_MODE must not flip a stage into live mode)."""
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of {', '.join(TRUE_WORDS + FALSE_WORDS)}, not {raw!r}")


def _flag(name: str, default: bool) -> bool:
    return flag_value(name, os.environ.get(name), default)


def _number(name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {'a whole number' if kind is int else 'a number'}, not {raw!r}") from None


def _int(name: str, default: int) -> int:
    return int(_number(name, default, int))


def _positive(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, not {value}")
    return value


def _float(name: str, default: float) -> float:
    return _number(name, default, float)


def _list(name: str, default: str) -> tuple[str, ...]:
    raw = os.environ.get(name, default)
    return tuple(item.strip() for item in raw.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    test_mode: bool
    test_processing_delay_ms: int
    test_payment_success: bool
    webhook_retry_intervals_test: bool
    webhook_timeout_seconds: float
    webhook_block_private_urls: bool
    webhook_retention_days: int
    webhook_auto_disable_seconds: int
    webhook_allow_http: bool
    cors_origins: tuple[str, ...]
    session_secret: str
    allow_dev_session_secret: bool
    session_ttl_seconds: int
    api_secret_overlap_seconds: int
    webhook_secret_overlap_seconds: int
    idempotency_ttl_seconds: int
    idempotency_lock_seconds: int
    fault_points: frozenset[str]
    test_endpoints: bool
    events_feed_settle_seconds: float
    chaos_enabled: bool
    endpoint_checks_per_minute: int
    # Throttling budgets (domain/throttle.py, docs/api.md "Throttling"): attempts per window.
    login_window_seconds: int
    login_failures_per_account_ip: int
    login_failures_per_ip: int
    public_window_seconds: int
    public_writes_per_key: int
    public_writes_per_ip: int
    public_reads_per_key: int
    public_reads_per_ip: int
    reconcile_grace_seconds: int
    reconcile_rate_minutes: int
    reconcile_page_size: int
    reconcile_max_pages: int
    reconcile_time_budget_seconds: int

    @property
    def resource_prefix(self) -> str:
        return f"paygw-{self.stage}"


@lru_cache(maxsize=1)
def settings() -> Settings:
    stage = os.environ.get("STAGE", "local")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        test_mode=_flag("TEST_MODE", False),
        test_processing_delay_ms=_int("TEST_PROCESSING_DELAY", 1000),
        test_payment_success=_flag("TEST_PAYMENT_SUCCESS", True),
        webhook_retry_intervals_test=_flag("WEBHOOK_RETRY_INTERVALS_TEST", False),
        webhook_timeout_seconds=_float("WEBHOOK_TIMEOUT_SECONDS", 5.0),
        # Safe by default, whatever the stage is called: every unsafe behaviour is off unless its
        # variable turns it on (`make run` and the test stacks do; UNSAFE_OPT_INS lists them).
        # Loopback receivers are how merchants test locally; a stage must opt in to allow them.
        webhook_block_private_urls=_flag("WEBHOOK_BLOCK_PRIVATE_URLS", True),
        # Deliveries and their attempts expire this long after the event (a DynamoDB TTL, also
        # enforced in reads: TTL deletes within days, not at the second).
        webhook_retention_days=_positive("WEBHOOK_RETENTION_DAYS", 30),
        # An endpoint whose every attempt failed for this long is disabled (reason `failing`).
        # With the test retry intervals the default is minutes, so a test stack sees it happen.
        webhook_auto_disable_seconds=_positive(
            "WEBHOOK_AUTO_DISABLE_SECONDS", 180 if _flag("WEBHOOK_RETRY_INTERVALS_TEST", False) else 5 * 24 * 3600
        ),
        # Plain http receivers (a merchant's laptop, the test receivers): production takes https only.
        webhook_allow_http=_flag("WEBHOOK_ALLOW_HTTP", False),
        cors_origins=_list(
            "CORS_ORIGINS", "http://127.0.0.1:3000,http://localhost:3000,http://127.0.0.1:3001,http://localhost:3001"
        ),
        session_secret=os.environ.get("SESSION_SECRET", ""),
        allow_dev_session_secret=_flag("ALLOW_DEV_SESSION_SECRET", False),
        session_ttl_seconds=_int("SESSION_TTL_SECONDS", 12 * 3600),
        # How long a rotated-out API secret keeps working, so servers can be moved to the new one.
        api_secret_overlap_seconds=_int("API_SECRET_OVERLAP_SECONDS", 24 * 3600),
        # How long a rotated-out webhook secret keeps signing, so receivers can move to the new one.
        webhook_secret_overlap_seconds=_int("WEBHOOK_SECRET_OVERLAP_SECONDS", 24 * 3600),
        idempotency_ttl_seconds=_int("IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        idempotency_lock_seconds=_int("IDEMPOTENCY_LOCK_SECONDS", 30),
        fault_points=frozenset(_list("FAULT_INJECT", "")),
        # The unauthenticated /api/v1/test/* endpoints (new merchants with their secrets, the
        # seeded merchant, the job counters) exist only where a stage turns them on.
        test_endpoints=_flag("TEST_ENDPOINTS", False),
        # The events feed shows only events older than this: an event's time is taken before the
        # write that records it, and a late commit must not land behind a client's cursor.
        events_feed_settle_seconds=_float("EVENTS_FEED_SETTLE_SECONDS", 2.0),
        # Chaos mode (domain/chaos.py): endpoints may ask for duplicated, reordered, delayed and
        # crash-redelivered webhooks. Only the local stack turns it on; elsewhere it is refused.
        chaos_enabled=_flag("CHAOS_ENABLED", False),
        # Receiver self-checks (services/webhook_check.py) a merchant may run per minute: each
        # POSTs six requests to a URL of the merchant's choosing.
        endpoint_checks_per_minute=_positive("THROTTLE_ENDPOINT_CHECKS_PER_MINUTE", 10),
        login_window_seconds=_positive("THROTTLE_LOGIN_WINDOW_SECONDS", 15 * 60),
        login_failures_per_account_ip=_positive("THROTTLE_LOGIN_FAILURES_PER_ACCOUNT_IP", 5),
        login_failures_per_ip=_positive("THROTTLE_LOGIN_FAILURES_PER_IP", 20),
        public_window_seconds=_positive("THROTTLE_PUBLIC_WINDOW_SECONDS", 60),
        # Payments on the publishable key: what card testing and webhook floods are made of.
        public_writes_per_key=_positive("THROTTLE_PUBLIC_WRITES_PER_KEY", 1200),
        public_writes_per_ip=_positive("THROTTLE_PUBLIC_WRITES_PER_IP", 20),
        # Reads: a checkout polls its payment twice a second for up to a minute.
        public_reads_per_key=_positive("THROTTLE_PUBLIC_READS_PER_KEY", 30000),
        public_reads_per_ip=_positive("THROTTLE_PUBLIC_READS_PER_IP", 600),
        # The reconciler (services/reconcile.py): work overdue by more than the grace is stranded.
        reconcile_grace_seconds=_int("RECONCILE_GRACE_SECONDS", 300),
        reconcile_rate_minutes=_int("RECONCILE_RATE_MINUTES", 1),
        reconcile_page_size=_int("RECONCILE_PAGE_SIZE", 100),
        reconcile_max_pages=_int("RECONCILE_MAX_PAGES", 200),
        reconcile_time_budget_seconds=_int("RECONCILE_TIME_BUDGET_SECONDS", 45),
    )


# What a stage sets to turn each unsafe behaviour on: only `make run` (infra/local/stack.py) and
# the test stacks (tests/support/stack.py) do. A deployed stage without them is safe.
UNSAFE_OPT_INS = {
    "TEST_ENDPOINTS": "true",
    "WEBHOOK_BLOCK_PRIVATE_URLS": "false",
    "ALLOW_DEV_SESSION_SECRET": "true",
    "WEBHOOK_ALLOW_HTTP": "true",
    "CHAOS_ENABLED": "true",
}


def session_secret() -> str:
    """The key that signs dashboard sessions. Without SESSION_SECRET the API refuses to serve (the
    local server refuses to start), unless ALLOW_DEV_SESSION_SECRET=true accepts a development
    secret anyone can read here, whatever the stage is called."""
    current = settings()
    if current.session_secret:
        return current.session_secret
    if current.allow_dev_session_secret:
        return f"local-development-session-secret-{current.stage}"
    raise ConfigError(
        "SESSION_SECRET is not set: set it to a random value of 32 characters or more "
        "(e.g. `openssl rand -hex 32`), or set ALLOW_DEV_SESSION_SECRET=true on a local stage to sign "
        "sessions with a well-known development secret"
    )


def resource_name(logical: str) -> str:
    """The physical name of a table or queue: the stage prefix keeps stages apart."""
    return f"{settings().resource_prefix}-{logical}"
