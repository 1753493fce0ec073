"""Multi-item transactions whose cancellations say which condition failed.

PynamoDB sends a transaction's condition checks, then deletes, then puts, then updates, whatever
order they were added in; DynamoDB's cancellation reasons follow that sent order. Labelling each
operation here keeps the two aligned, so callers ask "did the refund's condition fail?" by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..config import settings

CONFLICT_ATTEMPTS = 5


@lru_cache(maxsize=1)
def _connection() -> Connection:
    return Connection(region=settings().region, max_pool_connections=64)


class Transaction:
    def __init__(self) -> None:
        self._write = TransactWrite(connection=_connection())
        self._puts: list[str] = []
        self._updates: list[str] = []

    def save(self, label: str, model: Model, condition: Condition) -> None:
        self._write.save(model, condition=condition)
        self._puts.append(label)

    def update(self, label: str, model: Model, actions: Sequence[Action], condition: Condition | None = None) -> None:
        self._write.update(model, actions=list(actions), condition=condition)
        self._updates.append(label)

    def commit(self) -> set[str]:
        """The labels whose condition failed: empty when the transaction was written.

        A transaction cancelled only because another one held one of its items (counter rows are
        shared by many) wrote nothing, so it is sent again, a few times. At once: functions never
        sleep, and the other transaction holds the item for about the round trip a resend takes."""
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                return self._commit_once()
            except TransactWriteError as error:
                reasons = error.cancellation_reasons or []
                conflicted = any(r is not None and r.code == "TransactionConflict" for r in reasons)
                if not conflicted or attempt == CONFLICT_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _commit_once(self) -> set[str]:
        try:
            with self._write:
                pass
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            labels = self._puts + self._updates  # the order PynamoDB sends them in
            failed = {
                label
                for label, reason in zip(labels, reasons, strict=False)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            }
            if not failed:
                raise
            return failed
        return set()


def idempotent_update(model: Model, actions: Sequence[Action], token: str) -> None:
    """One update that DynamoDB applies once however often it is sent with the same `token` and
    the same values (TransactWriteItems' ClientRequestToken, honoured for ten minutes)."""
    write = TransactWrite(connection=_connection(), client_request_token=token)
    write.update(model, actions=list(actions))
    with write:
        pass
