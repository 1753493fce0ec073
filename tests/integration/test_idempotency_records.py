"""What powertools keeps as a key's answer, on DynamoDB Local: a 2xx or 4xx answer is replayed; a
5xx answer (returned, not raised) or a raised error is not kept, so the next request runs again."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.services import idempotency


@pytest.fixture(scope="module")
def records(aws):
    from infra.provision import ensure_tables

    ensure_tables()
    idempotency._executor.cache_clear()  # built against the emulator from now on
    yield
    idempotency._executor.cache_clear()


def _answer(status: int, body: dict):
    runs: list[int] = []

    def work() -> dict:
        runs.append(1)
        return {"status": status, "body": body}

    return work, runs


def run(key: str, work) -> tuple[dict, bool]:
    return idempotency.run("m-" + key, idempotency.MERCHANT, key, {"body": {"n": 1}}, work)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_returned_5xx_is_answered_but_not_kept(records, status):
    key = "k5-" + uuid.uuid4().hex
    failing, _ = _answer(status, {"error": {"code": "SERVER_ERROR"}})
    assert run(key, failing) == ({"status": status, "body": {"error": {"code": "SERVER_ERROR"}}}, False)
    succeeding, runs = _answer(201, {"id": "pay_1"})
    assert run(key, succeeding) == ({"status": 201, "body": {"id": "pay_1"}}, False)
    assert runs == [1]  # ran: the 5xx was not the key's answer
    assert run(key, succeeding) == ({"status": 201, "body": {"id": "pay_1"}}, True)
    assert runs == [1]  # replayed: the 201 is


def test_a_raised_error_is_not_kept(records):
    key = "kx-" + uuid.uuid4().hex

    def crashing() -> dict:
        raise RuntimeError("failed after the commit")

    with pytest.raises(RuntimeError):
        run(key, crashing)
    succeeding, runs = _answer(201, {"id": "pay_2"})
    assert run(key, succeeding) == ({"status": 201, "body": {"id": "pay_2"}}, False) and runs == [1]


def test_the_same_key_in_the_other_scope_is_another_key(records):
    key = "ks-" + uuid.uuid4().hex
    mine, _ = _answer(201, {"id": "refund"})
    theirs, runs = _answer(201, {"id": "checkout"})
    assert idempotency.run("m1", idempotency.MERCHANT, key, {"body": 1}, mine)[1] is False
    # Another request under the key: refused in its scope, a first answer in the other one.
    assert idempotency.run("m1", idempotency.PUBLIC, key, {"body": 2}, theirs) == (
        {"status": 201, "body": {"id": "checkout"}},
        False,
    )
    assert runs == [1]
    assert idempotency.scoped_key(idempotency.MERCHANT, key) == key
    assert idempotency.scoped_key(idempotency.PUBLIC, key) != key
