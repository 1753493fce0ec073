"""Delivery retention: deliveries written before it get their `expires_at` (a DynamoDB TTL).

This release writes every delivery with `expires_at` = created_at + WEBHOOK_RETENTION_DAYS, and
the provisioner (or the template) enables TTL on the table. Older items have none, so neither TTL
nor the reads would ever expire them. This step gives each one its expiry, from its own
created_at, in one conditional write (only while it still has none): a rerun after a crash, or
an item the running release wrote meanwhile, is left as it is. Items already past their retention
are deleted by TTL within days of the step, and read as absent at once.

Numbered 8 after wh-endpoints' 7; the lead renumbers on merge.
"""

from __future__ import annotations

from typing import Any

VERSION = 8
DESCRIPTION = "deliveries written before retention get their expires_at"


def _expiry(created_at: str) -> int:
    from chalicelib.domain import clock
    from chalicelib.services.webhook_events import expiry

    return int(expiry(clock.parse_iso(created_at)).timestamp())


def _set(dynamodb: Any, table: str, item: dict[str, Any]) -> bool:
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"id": item["id"]},
            UpdateExpression="SET #e = :e",
            ConditionExpression="attribute_exists(#i) AND attribute_not_exists(#e)",
            ExpressionAttributeNames={"#e": "expires_at", "#i": "id"},
            ExpressionAttributeValues={":e": {"N": str(_expiry(item["created_at"]["S"]))}},
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def apply() -> int:
    from chalicelib.aws import client
    from chalicelib.store.models import DeliveryModel

    dynamodb = client("dynamodb")
    table = DeliveryModel.Meta.table_name
    done = 0
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="attribute_not_exists(#e)",
        ProjectionExpression="#i, created_at",
        ExpressionAttributeNames={"#e": "expires_at", "#i": "id"},
    ):
        done += sum(_set(dynamodb, table, item) for item in page["Items"])
    return done
