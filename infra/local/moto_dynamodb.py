"""Two fixes to moto's DynamoDB, applied inside the embedded emulator's process only, always
(EMULATOR_TUNING=0 leaves them on; docs/emulator.md lists them with the tests that guard them).

moto serves requests on many threads but its DynamoDB backend is not thread-safe, and its
TransactWriteItems deep-copies every table it touches, then restores that copy when a condition
fails. Under concurrent requests (the refund race, the idempotency storm) updates are lost, a
failed transaction erases writes other requests made meanwhile, and every transaction costs time
in proportion to the table's size. Real DynamoDB does none of this, and the gateway's guarantees
rest on conditional writes and transactions behaving as they do on AWS. So, here:

- dynamodb-serialize: DynamoDB requests run one at a time (one lock): each is atomic, as on AWS.
- dynamodb-transactions: TransactWriteItems checks every condition first and writes nothing if
  one fails; only the items it writes are snapshotted, to undo them if a write itself is invalid.
  With the lock, this changes what a transaction costs, not what it does.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

from .moto_correctness import replace

PATCHES = ("dynamodb-serialize", "dynamodb-transactions")

_lock = threading.RLock()
_OPERATIONS = ("ConditionCheck", "Put", "Delete", "Update")


def _serialized(call_action):
    def call(self):
        with _lock:
            return call_action(self)

    return call


def _key_of(backend: DynamoDBBackend, kind: str, op: dict) -> dict:
    if kind != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: op["Item"][name] for name in names}


def _condition_holds(backend: DynamoDBBackend, op: dict, key: dict):
    """(holds, current item) for the operation's ConditionExpression."""
    current = backend.get_item(op["TableName"], key)
    expression = op.get("ConditionExpression")
    if expression is None:
        return True, current
    check = get_filter_expression(expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues"))
    return check.expr(current), current


def _apply(backend: DynamoDBBackend, kind: str, op: dict, key: dict) -> None:
    names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    if kind == "Put":
        backend.put_item(op["TableName"], op["Item"])
    elif kind == "Delete":
        backend.delete_item(op["TableName"], key)
    elif kind == "Update":
        backend.update_item(
            op["TableName"],
            key,
            update_expression=op["UpdateExpression"],
            expression_attribute_names=names or {},
            expression_attribute_values=values or {},
        )


def _restore(backend: DynamoDBBackend, table_name: str, key: dict, snapshot: dict | None) -> None:
    if snapshot is None:
        backend.delete_item(table_name, key)
    else:
        backend.put_item(table_name, snapshot)


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    plan, seen = [], set()
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException
        kind, op = next(iter(entry.items()))
        if kind not in _OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        key = _key_of(self, kind, op)
        marker = (op["TableName"], json.dumps(key, sort_keys=True, default=str))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        plan.append((kind, op, key))

    reasons: list[tuple[str | None, str | None, Any]] = []
    failed = False
    for _kind, op, key in plan:
        holds, current = _condition_holds(self, op, key)
        if holds:
            reasons.append((None, None, None))
            continue
        failed = True
        item = (
            current.to_json()["Attributes"]
            if current and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            else None
        )
        reasons.append(("ConditionalCheckFailed", "The conditional request failed", item))
    if failed:
        raise TransactionCanceledException(reasons)

    applied = []
    try:
        for kind, op, key in plan:
            if kind == "ConditionCheck":
                continue
            current = self.get_item(op["TableName"], key)
            applied.append((op["TableName"], key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
            _apply(self, kind, op, key)
    except Exception:
        for table_name, key, snapshot in reversed(applied):
            _restore(self, table_name, key, snapshot)
        raise


def apply(disabled: frozenset[str] = frozenset()) -> None:
    """Installs every patch in PATCHES but those in `disabled` (the test harness's only)."""
    if "dynamodb-serialize" not in disabled:
        replace(DynamoHandler, "call_action", _serialized(DynamoHandler.call_action))
    if "dynamodb-transactions" not in disabled:
        replace(DynamoDBBackend, "transact_write_items", transact_write_items)
