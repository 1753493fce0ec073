"""The services on the in-memory Store and a recording outbox: no emulator, no network."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import queues, vault
from chalicelib import store as store_seam
from chalicelib.config import UNSAFE_OPT_INS, settings
from chalicelib.domain import clock
from chalicelib.domain.audit import API_KEY, Actor
from chalicelib.services import merchants, orders, webhook_delivery
from chalicelib.services.webhook_receipts import Receipts
from chalicelib.store.records import Merchant
from tests.fakes.queues import QueueRecorder
from tests.fakes.store import FakeStore

ACTOR = Actor(API_KEY, "key_m1", "198.51.100.7")

SETTINGS = {
    "TEST_MODE": "true",
    "TEST_PROCESSING_DELAY": "0",
    "TEST_PAYMENT_SUCCESS": "true",
    "WEBHOOK_RETRY_INTERVALS_TEST": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "FAULT_INJECT": "",
    # The services run as in a local stack, with what only local stacks turn on (a dev session
    # secret, loopback webhook URLs): tests/unit/test_safe_by_default.py checks the defaults.
    **UNSAFE_OPT_INS,
}


@dataclass
class Fakes:
    store: FakeStore
    queues: QueueRecorder


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    merchants._by_key.clear()
    # Each deliver() call as if in another process: a repeated message reaches the conditional
    # write these tests are about. The in-process guard has its own tests (test_webhook_receipts.py).
    monkeypatch.setattr(webhook_delivery, "receipts", Receipts(recent=0))
    fake = Fakes(FakeStore(), QueueRecorder())
    store_seam.use(fake.store)
    queues.use_outbox(fake.queues)
    yield fake
    store_seam.use(None)
    queues.use_outbox(None)
    merchants._by_key.clear()
    settings.cache_clear()


def add_merchant(fakes: Fakes, merchant_id: str = "m1", webhook_url: str | None = None) -> Merchant:
    merchant = Merchant(
        id=merchant_id,
        name="Merchant " + merchant_id,
        email=f"{merchant_id}@example.test",
        api_key="key_" + merchant_id,
        api_secret_digest="digest",
        api_secret_sealed="sealed",
        created_at=clock.now_iso(),
        webhook_url=webhook_url,
    )
    assert fakes.store.merchants.create_if_absent(merchant)
    return merchant


def new_order(merchant_id: str = "m1", amount: int = 50000) -> str:
    return str(orders.create(merchant_id, amount, "INR", None, {})["id"])


START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def time(monkeypatch: pytest.MonkeyPatch) -> Clock:
    controlled = Clock()
    monkeypatch.setattr(clock, "now", lambda: controlled.now)
    return controlled


@pytest.fixture
def sealing(monkeypatch: pytest.MonkeyPatch) -> None:
    """KMS is not here: sealing is a reversible wrapping, which is all these rules need of it."""
    monkeypatch.setattr(vault, "seal", lambda plain: "sealed:" + base64.b64encode(plain.encode()).decode())
    monkeypatch.setattr(vault, "unseal", lambda sealed: base64.b64decode(sealed.removeprefix("sealed:")).decode())
