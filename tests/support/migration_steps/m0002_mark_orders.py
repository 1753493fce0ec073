"""A backfill in the form real steps take: every order gets `backfilled`, and `backfill_writes`
counts how many times a write touched it, which must end at exactly 1 per order however often the
step is interrupted and run again.

MIGRATION_TEST_CRASH_AFTER=N makes it die (os._exit, as a kill would) after N orders.
"""

from __future__ import annotations

import contextlib
import os

from chalicelib.aws import client
from chalicelib.config import resource_name

VERSION = 2
DESCRIPTION = "test backfill: mark every order"


def apply() -> None:
    dynamodb = client("dynamodb")
    table = resource_name("orders")
    crash_after = int(os.environ.get("MIGRATION_TEST_CRASH_AFTER") or 0)
    done = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="id"):
        for item in page["Items"]:
            # Marked by an earlier, interrupted run: the condition fails and the count stays at 1.
            with contextlib.suppress(dynamodb.exceptions.ConditionalCheckFailedException):
                dynamodb.update_item(
                    TableName=table,
                    Key={"id": item["id"]},
                    UpdateExpression="SET backfilled = :yes ADD backfill_writes :one",
                    ConditionExpression="attribute_exists(id) AND attribute_not_exists(backfilled)",
                    ExpressionAttributeValues={":yes": {"BOOL": True}, ":one": {"N": "1"}},
                )
            done += 1
            if crash_after and done >= crash_after:
                os._exit(9)
