"""Settings, read from the environment once per process.

Every knob the gateway has is here, with its default; README.md lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


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
    cors_origins: tuple[str, ...]
    session_secret: str
    session_ttl_seconds: int
    idempotency_ttl_seconds: int
    idempotency_lock_seconds: int
    fault_points: frozenset[str]
    test_endpoints: bool

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
        # Loopback receivers are how merchants test locally; prod refuses them.
        webhook_block_private_urls=_flag("WEBHOOK_BLOCK_PRIVATE_URLS", stage == "prod"),
        cors_origins=_list(
            "CORS_ORIGINS", "http://127.0.0.1:3000,http://localhost:3000,http://127.0.0.1:3001,http://localhost:3001"
        ),
        session_secret=os.environ.get("SESSION_SECRET", ""),
        session_ttl_seconds=_int("SESSION_TTL_SECONDS", 12 * 3600),
        idempotency_ttl_seconds=_int("IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        idempotency_lock_seconds=_int("IDEMPOTENCY_LOCK_SECONDS", 30),
        fault_points=frozenset(_list("FAULT_INJECT", "")),
        # Creating merchants without credentials is for local and test stages only.
        test_endpoints=_flag("TEST_ENDPOINTS", stage != "prod"),
    )


def resource_name(logical: str) -> str:
    """The physical name of a table or queue: the stage prefix keeps stages apart."""
    return f"{settings().resource_prefix}-{logical}"
