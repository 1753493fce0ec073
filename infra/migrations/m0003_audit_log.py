"""The audit-log table (chalicelib/store/models.py, AuditModel): captures, refunds, credential and
webhook-setting changes, listed per merchant newest first over its sharded `by-merchant-shard`
index, counted by the `audit` counter family.

A new, empty table: nothing to backfill (changes made before this release were never logged, and
inventing entries for them would be a lie). The step creates the table where it is missing (the
provisioner does locally, the infrastructure template on AWS, before this runs) and waits until
the table and its index are ACTIVE, so that the first audited change after an upgrade can be
written. Reading and creating only, it is safe to run any number of times.
"""

from __future__ import annotations

import time

from chalicelib.aws import client

VERSION = 3
DESCRIPTION = "audit-log table with its sharded by-merchant index"

WAIT_SECONDS = 600


def apply() -> None:
    from chalicelib.store.models import AuditModel
    from infra.provision import ensure_tables

    ensure_tables()
    dynamodb = client("dynamodb")
    table = str(AuditModel.Meta.table_name)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = dynamodb.describe_table(TableName=table)["Table"]
        indexes = {index["IndexName"]: index.get("IndexStatus") for index in found.get("GlobalSecondaryIndexes", [])}
        if "by-merchant-shard" not in indexes:
            raise RuntimeError(f"{table} has no by-merchant-shard index (found {sorted(indexes)})")
        if found["TableStatus"] == "ACTIVE" and all(status == "ACTIVE" for status in indexes.values()):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{table} did not become ACTIVE in {WAIT_SECONDS} s")
        time.sleep(1)
