"""Throttling on the in-memory Store (its semantics are the DynamoDB Store's: tests/contract_store):
dashboard logins and publishable-key calls, tried the way an attacker would."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config import settings
from chalicelib.domain import clock
from chalicelib.domain.errors import AuthenticationFailed, TooManyRequests
from chalicelib.services import sessions, throttling
from chalicelib.services.passwords import hash_password
from chalicelib.store.records import Merchant
from tests.unit.services.conftest import Fakes

PASSWORD = "the-owners-password"
ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"
ACCOUNT_IP_BUDGET, IP_BUDGET, WINDOW = 5, 12, 900
# 12:00:00 UTC, the start of a 15-minute window: the tests move within it or past it.
START = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = START

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def budgets(monkeypatch: pytest.MonkeyPatch, fakes: Fakes) -> None:
    monkeypatch.setenv("THROTTLE_LOGIN_WINDOW_SECONDS", str(WINDOW))
    monkeypatch.setenv("THROTTLE_LOGIN_FAILURES_PER_ACCOUNT_IP", str(ACCOUNT_IP_BUDGET))
    monkeypatch.setenv("THROTTLE_LOGIN_FAILURES_PER_IP", str(IP_BUDGET))
    monkeypatch.setenv("THROTTLE_PUBLIC_WINDOW_SECONDS", "60")
    monkeypatch.setenv("THROTTLE_PUBLIC_WRITES_PER_IP", "3")
    monkeypatch.setenv("THROTTLE_PUBLIC_WRITES_PER_KEY", "7")
    monkeypatch.setenv("THROTTLE_PUBLIC_READS_PER_IP", "10")
    monkeypatch.setenv("THROTTLE_PUBLIC_READS_PER_KEY", "20")
    settings.cache_clear()


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moment = Clock()
    monkeypatch.setattr(clock, "now", moment)
    return moment


@pytest.fixture
def scrypts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every scrypt run (passwords.py calls hashlib.scrypt), counted."""
    calls: list[int] = []
    real = hashlib.scrypt
    lock = threading.Lock()

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    yield calls


def merchant(fakes: Fakes, name: str = "owner") -> Merchant:
    record = Merchant(
        id=name,
        name=name,
        email=f"{name}@example.test",
        api_key="key_" + name,
        api_secret_digest="digest",
        api_secret_sealed="sealed",
        created_at=clock.now_iso(),
        password_hash=hash_password(PASSWORD),
    )
    assert fakes.store.merchants.create_if_absent(record)
    return record


def outcome(attempt: Callable[[], object]) -> int:
    try:
        attempt()
    except AuthenticationFailed:
        return 401
    except TooManyRequests:
        return 429
    return 200


def login(email: str, password: str, source_ip: str | None) -> int:
    return outcome(lambda: sessions.login(email, password, source_ip))


def test_forty_wrong_passwords_get_429_after_the_budget_without_running_scrypt(fakes, now, scrypts):
    owner = merchant(fakes)
    scrypts.clear()
    answers = [login(owner.email, f"guess-{n}", ATTACKER) for n in range(40)]
    assert answers == [401] * ACCOUNT_IP_BUDGET + [429] * (40 - ACCOUNT_IP_BUDGET)
    assert len(scrypts) == ACCOUNT_IP_BUDGET  # the 35 throttled attempts never hashed anything
    with pytest.raises(TooManyRequests) as refused:
        sessions.login(owner.email, PASSWORD, ATTACKER)  # even the right password: not checked
    assert 1 <= refused.value.retry_after <= WINDOW
    assert refused.value.headers() == {"Retry-After": str(refused.value.retry_after)}
    assert refused.value.description == f"Too many failed logins; try again in {refused.value.retry_after} s"
    assert len(scrypts) == ACCOUNT_IP_BUDGET


def test_the_owner_still_logs_in_from_another_address(fakes, now):
    owner = merchant(fakes)
    for n in range(20):
        login(owner.email, f"guess-{n}", ATTACKER)
    assert login(owner.email, "wrong", ATTACKER) == 429
    assert sessions.login(owner.email, PASSWORD, OWNER)["merchant"]["id"] == owner.id
    # The owner's own typos are counted for the owner's address, apart from the attacker's.
    assert login(owner.email, "typo", OWNER) == 401


def test_one_address_across_many_accounts_is_throttled_as_a_whole(fakes, now, scrypts):
    accounts = [merchant(fakes, f"m{n}") for n in range(6)]
    answers = [login(a.email, "guess", ATTACKER) for a in accounts for _ in range(3)]
    assert answers.count(401) == IP_BUDGET and answers[IP_BUDGET:] == [429] * (len(answers) - IP_BUDGET)
    # Unknown emails count too (they cost a scrypt, on the dummy hash).
    assert login("nobody@example.test", "guess", ATTACKER) == 429
    assert sessions.login(accounts[0].email, PASSWORD, OWNER)["merchant"]["id"] == accounts[0].id


def test_the_window_ending_lets_attempts_resume(fakes, now):
    owner = merchant(fakes)
    for n in range(ACCOUNT_IP_BUDGET):
        assert login(owner.email, f"guess-{n}", ATTACKER) == 401
    now.advance(WINDOW - 1)
    with pytest.raises(TooManyRequests) as refused:
        sessions.login(owner.email, "guess", ATTACKER)
    assert refused.value.retry_after == 1
    now.advance(1)  # the next window: a fresh budget
    assert [login(owner.email, "guess", ATTACKER) for _ in range(6)] == [401] * 5 + [429]


def test_a_success_starts_the_accounts_window_again_but_not_the_addresses(fakes, now):
    owner = merchant(fakes)
    others = [merchant(fakes, f"other{n}") for n in range(2)]
    for _ in range(ACCOUNT_IP_BUDGET - 1):
        assert login(owner.email, "typo", OWNER) == 401
    assert login(owner.email, PASSWORD, OWNER) == 200
    # The (account, address) budget is whole again: five more typos before a 429.
    assert [login(owner.email, "typo", OWNER) for _ in range(6)] == [401] * 5 + [429]
    # The address has 4 + 5 failures and no more than that (the success gave its count back): 3 left.
    answers = [login(o.email, "guess", OWNER) for o in others for _ in range(3)]
    assert answers == [401] * 3 + [429] * 3


def test_concurrent_attempts_never_pass_the_budget(fakes, now, scrypts):
    owner = merchant(fakes)
    scrypts.clear()
    answers: list[int] = []
    lock = threading.Lock()
    ready = threading.Barrier(2)

    def attack() -> None:
        ready.wait()
        for n in range(20):
            answer = login(owner.email, f"guess-{n}", ATTACKER)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=attack) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [401] * ACCOUNT_IP_BUDGET + [429] * (40 - ACCOUNT_IP_BUDGET)
    assert len(scrypts) == ACCOUNT_IP_BUDGET


def test_public_writes_are_budgeted_per_address_and_per_key(fakes, now):
    def calls(run: Callable[[], None], times: int) -> list[int]:
        return [outcome(run) for _ in range(times)]

    assert calls(lambda: throttling.public_ip(True, ATTACKER), 5) == [200] * 3 + [429] * 2
    assert calls(lambda: throttling.public_ip(True, OWNER), 3) == [200] * 3  # another address: its own budget
    assert calls(lambda: throttling.public_ip(False, ATTACKER), 11) == [200] * 10 + [429]  # reads: their own
    # Per key, whatever the addresses: spread over many, the key's budget still holds.
    assert calls(lambda: throttling.public_key(True, "key_a"), 8) == [200] * 7 + [429]
    assert calls(lambda: throttling.public_key(True, "key_b"), 1) == [200]
    now.advance(60)
    assert calls(lambda: throttling.public_key(True, "key_a"), 1) == [200]
    assert calls(lambda: throttling.public_ip(True, ATTACKER), 1) == [200]


def test_callers_without_an_address_share_one_budget(fakes, now):
    """No sourceIp (never the case behind API Gateway) is one address, not a free pass."""
    owner = merchant(fakes)
    answers = [login(owner.email, "guess", None) for _ in range(6)]
    assert answers == [401] * 5 + [429]
