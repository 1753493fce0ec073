"""Sharded listing indexes, counters and per-day statistics for items written before them.

Lists now read `by-merchant-shard` (and, by status, `by-merchant-status-shard`), totals come
from the counters table, and /payments/stats from its per-day rows (docs/decisions.md, "Lists
cost O(page)"). Items written before this release have no listing keys and were never counted.
This step:

1. adds the two indexes to tables that lack them (the provisioner creates new tables with them);
2. for every item without `merchant_shard`, in ONE transaction: sets its listing keys
   (condition: still without them) and adds it to its counters and statistics day. The condition
   makes each item count exactly once, whatever crashes and reruns happen, and whatever new
   items the running release writes meanwhile (those carry their keys and count themselves);
3. drops the old unsharded `by-merchant` index, which nothing reads any more.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import client

from .tables import wait_active

VERSION = 2
DESCRIPTION = "sharded by-merchant indexes; counters and per-day statistics backfilled"

OLD_INDEX = "by-merchant"


def _models() -> list[Any]:
    from chalicelib.store.models import DeliveryModel, OrderModel, PaymentModel, RefundModel

    return [OrderModel, PaymentModel, RefundModel, DeliveryModel]


def _ensure_indexes(dynamodb: Any, model: Any) -> None:
    """One index change per UpdateTable, as DynamoDB allows, each waited for."""
    from infra.resources import tables

    spec = next(table for table in tables() if table.name == model.Meta.table_name)
    for index in spec.global_secondary_indexes:
        found = wait_active(dynamodb, spec.name)
        if index["IndexName"] in {i["IndexName"] for i in found.get("GlobalSecondaryIndexes", [])}:
            continue
        dynamodb.update_table(
            TableName=spec.name,
            AttributeDefinitions=spec.attribute_definitions,
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
    wait_active(dynamodb, spec.name)


def _drop_old_index(dynamodb: Any, table: str) -> None:
    found = wait_active(dynamodb, table)
    if OLD_INDEX in {i["IndexName"] for i in found.get("GlobalSecondaryIndexes", [])}:
        dynamodb.update_table(TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": OLD_INDEX}}])
        wait_active(dynamodb, table)


def _deltas(model: Any, item: dict[str, Any]) -> Any:
    from chalicelib.domain.counts import STATS as STATS_FAMILY
    from chalicelib.domain.counts import Deltas, currency_amount, row_key
    from chalicelib.store.models import DeliveryModel, OrderModel, PaymentModel, RefundModel

    text = {name: value.get("S") for name, value in item.items()}
    merchant, item_id = text["merchant_id"], text["id"]
    deltas = Deltas()
    if model is OrderModel:
        return deltas.order_created(merchant, item_id)
    if model is RefundModel:
        return deltas.refund_created(merchant, item_id)
    if model is DeliveryModel:
        return deltas.delivery_created(merchant, item_id, text["event"], text["status"])
    assert model is PaymentModel
    day = text["created_at"][:10]
    deltas.payment_created(merchant, item_id, day, text["currency"], text["status"])
    if text["status"] == "success":
        deltas.add(
            (row_key(merchant, STATS_FAMILY, item_id), day), currency_amount(text["currency"]), int(item["amount"]["N"])
        )
    return deltas


def _backfill_item(dynamodb: Any, model: Any, item: dict[str, Any]) -> None:
    from chalicelib.store.keys import merchant_key, status_key
    from chalicelib.store.models import CounterModel

    merchant, item_id = item["merchant_id"]["S"], item["id"]["S"]
    names = {"#m": "merchant_shard"}
    values: dict[str, Any] = {":m": {"S": merchant_key(merchant, item_id)}}
    update = "SET #m = :m"
    if "merchant_status_shard" in model.get_attributes():
        names["#s"] = "merchant_status_shard"
        values[":s"] = {"S": status_key(merchant, item["status"]["S"], item_id)}
        update += ", #s = :s"
    operations: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": model.Meta.table_name,
                "Key": {"id": {"S": item_id}},
                "UpdateExpression": update,
                "ConditionExpression": "attribute_exists(id) AND attribute_not_exists(#m)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
    ]
    for (key, day), counts in _deltas(model, item).items():
        attribute_names = {f"#c{n}": name for n, name in enumerate(sorted(counts))}
        operations.append(
            {
                "Update": {
                    "TableName": CounterModel.Meta.table_name,
                    "Key": {"key": {"S": key}, "day": {"S": day}},
                    "UpdateExpression": "ADD " + ", ".join(f"{alias} :v{alias[2:]}" for alias in attribute_names),
                    "ExpressionAttributeNames": attribute_names,
                    "ExpressionAttributeValues": {
                        f":v{alias[2:]}": {"N": str(counts[name])} for alias, name in attribute_names.items()
                    },
                }
            }
        )
    try:
        dynamodb.transact_write_items(TransactItems=operations)
    except dynamodb.exceptions.TransactionCanceledException as error:
        reasons = error.response.get("CancellationReasons", [])
        if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
            return  # counted already (a rerun), or deleted meanwhile
        raise


def _backfill(dynamodb: Any, model: Any) -> int:
    done = 0
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=model.Meta.table_name,
        FilterExpression="attribute_not_exists(merchant_shard)",
        ConsistentRead=True,
    ):
        for item in page["Items"]:
            _backfill_item(dynamodb, model, item)
            done += 1
    return done


def apply() -> None:
    from infra.provision import ensure_tables

    ensure_tables()  # the counters table, where it is missing
    dynamodb = client("dynamodb")
    for model in _models():
        _ensure_indexes(dynamodb, model)
        _backfill(dynamodb, model)
        _drop_old_index(dynamodb, model.Meta.table_name)
