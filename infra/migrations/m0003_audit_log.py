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

from chalicelib.aws import client

from .tables import wait_active

VERSION = 3
DESCRIPTION = "audit-log table with its sharded by-merchant index"


def apply() -> None:
    from chalicelib.store.models import AuditModel
    from infra.provision import ensure_tables

    ensure_tables()
    dynamodb = client("dynamodb")
    table = str(AuditModel.Meta.table_name)
    found = wait_active(dynamodb, table)
    indexes = [index["IndexName"] for index in found.get("GlobalSecondaryIndexes", [])]
    if "by-merchant-shard" not in indexes:
        raise RuntimeError(f"{table} has no by-merchant-shard index (found {sorted(indexes)})")
