"""Sharded counters: added to inside the transactions that create and change entities, summed
on read (one BatchGetItem for a total; one query per shard for a run of statistics days)."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from pynamodb.expressions.operand import Path

from ..domain.counts import NO_DAY, Deltas, row_keys
from .models import CounterModel
from .transactions import Transaction

BATCH_GET_MAX = 100  # DynamoDB's limit on keys per BatchGetItem


def _client() -> Any:
    return CounterModel._get_connection().connection.client


def _table() -> str:
    return str(CounterModel.Meta.table_name)


def add(tx: Transaction, deltas: Deltas) -> None:
    """One update per row, unconditional: the transaction's other conditions decide for it."""
    for (key, day), values in deltas.items():
        actions = [Path([name]).add({"N": str(amount)}) for name, amount in sorted(values.items())]
        tx.update("counter", CounterModel(key, day), actions)


def _number(item: dict[str, Any], name: str) -> int:
    value = item.get(name)
    return int(value["N"]) if value else 0


def total(merchant_id: str, family: str, attribute: str) -> int:
    """The sum of one attribute over every shard of a counter family: one strongly consistent
    BatchGetItem (the families have at most 100 shards), repeated only for unprocessed keys."""
    keys: list[dict[str, Any]] = [{"key": {"S": key}, "day": {"S": NO_DAY}} for key in row_keys(merchant_id, family)]
    found = 0
    while keys:
        request = {
            _table(): {
                "Keys": keys[:BATCH_GET_MAX],
                "ConsistentRead": True,
                "ProjectionExpression": "#a",
                "ExpressionAttributeNames": {"#a": attribute},
            }
        }
        keys = keys[BATCH_GET_MAX:]
        while request:
            answer = _client().batch_get_item(RequestItems=request)
            found += sum(_number(item, attribute) for item in answer["Responses"].get(_table(), []))
            request = answer.get("UnprocessedKeys") or {}
    return found


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="counter-shard")


def _days_of_shard(key: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        arguments: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "#k = :k AND #d BETWEEN :a AND :b",
            "ExpressionAttributeNames": {"#k": "key", "#d": "day"},
            "ExpressionAttributeValues": {":k": {"S": key}, ":a": {"S": first_day}, ":b": {"S": last_day}},
            "ConsistentRead": True,
        }
        if start:
            arguments["ExclusiveStartKey"] = start
        answer = _client().query(**arguments)
        items += answer["Items"]
        start = answer.get("LastEvaluatedKey")
        if not start:
            return items


def days(merchant_id: str, family: str, first_day: str, last_day: str) -> dict[str, dict[str, int]]:
    """Per day from first_day to last_day (inclusive, ISO dates), each attribute summed over the
    shards: one query per shard, in parallel, each reading at most one row per day."""
    summed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    shards = row_keys(merchant_id, family)
    for items in _pool().map(lambda key: _days_of_shard(key, first_day, last_day), shards):
        for item in items:
            day = item["day"]["S"]
            for name, value in item.items():
                if "N" in value:
                    summed[day][name] += int(value["N"])
    return {day: dict(values) for day, values in summed.items()}
