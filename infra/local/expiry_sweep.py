"""Deletes TTL-expired items, as DynamoDB's TTL does on AWS. Whether an emulator does depends on
it: moto never does; the DynamoDB Local jar `make run` installs does, in memory and on disk
(measured 2026-12-02, see docs/decisions.md, "Expiry"), so with it the sweep is a second pass that
keeps the state bounded, not the only one.

    python -m infra.local.expiry_sweep   (every EXPIRY_SWEEP_INTERVAL_SECONDS, default 300)

`make run` runs it as a child, and infra/local/resume.py sweeps once at start, so the state folder
does not grow without bound with expired sessions and idempotency keys. Every read of such an item
treats it as absent once expired already (services/sessions.py; Powertools' idempotency layer),
so the sweep only reclaims space and changes no answer.

Every table with a TTL attribute (infra/resources.py derives them from the models) is scanned for
items whose TTL has passed; each is deleted under the condition that its TTL has still passed, so
a writer that renewed the item meanwhile (an idempotency key used again after it expired) keeps
it. Items without the attribute are never expired, as on AWS.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from chalicelib.config import ConfigError

DEFAULT_INTERVAL_SECONDS = 300


def interval_seconds(env: dict[str, str]) -> float:
    raw = env.get("EXPIRY_SWEEP_INTERVAL_SECONDS")
    if raw is None or raw.strip() == "":
        return DEFAULT_INTERVAL_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"EXPIRY_SWEEP_INTERVAL_SECONDS must be a number of seconds above 0, not {raw!r}")
    return value


def sweep_table(name: str, key_names: list[str], ttl_attribute: str, now: int) -> int:
    """Delete the items of `name` whose `ttl_attribute` (epoch seconds) is before `now`."""
    from botocore.exceptions import ClientError

    from chalicelib.aws import client

    dynamodb = client("dynamodb")
    names = {f"#k{i}": key for i, key in enumerate(key_names)} | {"#ttl": ttl_attribute}
    expired = {":now": {"N": str(now)}}
    deleted = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=name,
        FilterExpression="#ttl < :now",
        ProjectionExpression=", ".join(placeholder for placeholder in names if placeholder != "#ttl"),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=expired,
    )
    for page in pages:
        for item in page["Items"]:
            try:
                dynamodb.delete_item(
                    TableName=name,
                    Key=item,
                    ConditionExpression="#ttl < :now",
                    ExpressionAttributeNames={"#ttl": ttl_attribute},
                    ExpressionAttributeValues=expired,
                )
                deleted += 1
            except ClientError as error:
                # Renewed (or deleted) since the scan saw it: its writer keeps it.
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
    return deleted


def sweep(now: int | None = None) -> dict[str, int]:
    """One pass over every table with a TTL: the number deleted in each."""
    from ..resources import tables  # the models: imported here, so the stack's supervisor need not load them

    moment = int(time.time()) if now is None else now
    deleted = {}
    for table in tables():
        if table.ttl_attribute:
            keys = [entry["AttributeName"] for entry in table.key_schema]
            deleted[table.name] = sweep_table(table.name, keys, table.ttl_attribute, moment)
    return deleted


def main() -> int:
    every = interval_seconds(dict(os.environ))
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while not stopping.wait(every):
        deleted = sweep()
        if any(deleted.values()):
            print(f"expiry-sweep: deleted {sum(deleted.values())} expired item(s): {deleted}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
