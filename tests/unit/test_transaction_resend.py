"""chalicelib/store/transactions.py: a transaction DynamoDB cancelled only for a conflict with
another transaction wrote nothing, so it is sent again, at once and a bounded number of times;
any other cancellation is the caller's to see. (DynamoDB Local serializes transactions and never
answers TransactionConflict, so the answers are scripted here.)"""

from __future__ import annotations

import pytest
from pynamodb.connection.base import VerboseClientError
from pynamodb.exceptions import CancellationReason, TransactWriteError

from chalicelib.store import transactions
from chalicelib.store.transactions import CONFLICT_ATTEMPTS, Transaction


def cancelled(*codes: str | None) -> TransactWriteError:
    reasons = [CancellationReason(code) if code else None for code in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("cancelled", cause)


def scripted(monkeypatch: pytest.MonkeyPatch, answers: list[TransactWriteError | set[str]]) -> list[int]:
    sent: list[int] = []

    def commit_once(self: Transaction) -> set[str]:
        sent.append(1)
        answer = answers.pop(0)
        if isinstance(answer, TransactWriteError):
            raise answer
        return answer

    monkeypatch.setattr(Transaction, "_commit_once", commit_once)
    monkeypatch.setattr(transactions, "_connection", lambda: None)
    return sent


def test_a_conflicted_transaction_is_sent_again_until_it_lands(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = scripted(monkeypatch, [cancelled(None, "TransactionConflict"), cancelled("TransactionConflict"), set()])
    assert Transaction().commit() == set()
    assert len(sent) == 3


def test_a_lost_condition_is_answered_not_resent(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = scripted(monkeypatch, [{"payment"}])
    assert Transaction().commit() == {"payment"}
    assert len(sent) == 1


def test_other_cancellations_raise_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = scripted(monkeypatch, [cancelled("ValidationError")])
    with pytest.raises(TransactWriteError):
        Transaction().commit()
    assert len(sent) == 1


def test_conflicts_that_never_clear_raise_after_the_last_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = scripted(monkeypatch, [cancelled("TransactionConflict") for _ in range(CONFLICT_ATTEMPTS + 1)])
    with pytest.raises(TransactWriteError):
        Transaction().commit()
    assert len(sent) == CONFLICT_ATTEMPTS
