"""The awaiting index, for the reconciler: pending items written before it get their keys.

The reconciler (chalicelib/services/reconcile.py) and the local start-time resume find waiting
work through the sparse `awaiting` index of payments, refunds and webhook deliveries
(docs/decisions.md, "No stranded work"). Items written by this release carry its keys while
pending; items written before it do not, so a payment stranded by the old release would never be
found. This step:

1. adds the index to tables that lack it (the provisioner creates new tables with it), one
   UpdateTable per table, waited for;
2. sets `awaiting_shard` and `awaiting_due` on every pending item without them, each under the
   condition that it is still pending and still without them: an item finished meanwhile stays
   out of the index, and a rerun after a crash changes nothing twice. A one-off Scan per table,
   as every backfill must read what no index holds yet.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import client

VERSION = 5
DESCRIPTION = "awaiting index on payments, refunds and deliveries; pending items keyed"

PENDING = "pending"


def _models() -> list[Any]:
    from chalicelib.store.models import DeliveryModel, PaymentModel, RefundModel

    return [PaymentModel, RefundModel, DeliveryModel]


def _due(item: dict[str, Any]) -> int:
    from chalicelib.store.keys import awaiting_due

    return awaiting_due(
        {
            "process_after_ms": int(item["process_after_ms"]["N"]) if "process_after_ms" in item else 0,
            "next_retry_at": item.get("next_retry_at", {}).get("S"),
            "created_at": item["created_at"]["S"],
        }
    )


def _key_item(dynamodb: Any, table: str, item: dict[str, Any]) -> bool:
    """True when this call keyed it; False when it finished or was keyed meanwhile."""
    from chalicelib.store.keys import awaiting_key

    item_id = item["id"]["S"]
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"id": {"S": item_id}},
            UpdateExpression="SET #k = :k, #d = :d",
            ConditionExpression="#s = :pending AND attribute_not_exists(#k)",
            ExpressionAttributeNames={"#k": "awaiting_shard", "#d": "awaiting_due", "#s": "status"},
            ExpressionAttributeValues={
                ":k": {"S": awaiting_key(item_id)},
                ":d": {"N": str(_due(item))},
                ":pending": {"S": PENDING},
            },
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def backfill(dynamodb: Any, table: str) -> int:
    keyed = 0
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="#s = :pending AND attribute_not_exists(#k)",
        ExpressionAttributeNames={"#s": "status", "#k": "awaiting_shard"},
        ExpressionAttributeValues={":pending": {"S": PENDING}},
        ConsistentRead=True,
    ):
        keyed += sum(_key_item(dynamodb, table, item) for item in page["Items"])
    return keyed


def apply() -> None:
    from infra.migrations.m0002_sharded_lists import _ensure_indexes

    dynamodb = client("dynamodb")
    for model in _models():
        _ensure_indexes(dynamodb, model)  # the step before's helper: every index the model declares
        backfill(dynamodb, model.Meta.table_name)
