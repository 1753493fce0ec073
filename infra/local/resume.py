"""At `make run`'s start: sweep expired items, count what the state folder holds, and queue again
every pending job.

    python -m infra.local.resume [--provision]   (prints one JSON line: the counts and the jobs queued)

--provision first runs the provisioner with --seed (infra/provision.py) in the same process, as
`make run` does: one Python start-up (imports and botocore's models are most of their CPU) instead
of two. It exits with the provisioner's NEWER_SCHEMA_EXIT when the state is newer than the code.

The local stack's SQS lives in the moto server's memory, so the jobs queued before a restart are
gone while DynamoDB Local kept the payments, refunds and deliveries waiting for them.
chalicelib/services/resume.py queues them again. The counts are for the banner: a Scan with
Select=COUNT per table, which is fine for a local folder (and reads no index).
"""

from __future__ import annotations

import json
import os
import sys

from chalicelib.aws import client
from chalicelib.config import resource_name
from chalicelib.services.resume import resume_pending

from .expiry_sweep import sweep

COUNTED = {
    "orders": "orders",
    "payments": "payments",
    "refunds": "refunds",
    "deliveries": "webhook-deliveries",
    "merchants": "merchants",
    "sessions": "sessions",
}


def count(table: str) -> int:
    total = 0
    for page in client("dynamodb").get_paginator("scan").paginate(TableName=resource_name(table), Select="COUNT"):
        total += page["Count"]
    return total


def summary() -> dict:
    swept = sum(sweep().values())  # the sweep's pass at start: expired sessions are not counted
    counts = {name: count(table) for name, table in COUNTED.items()}
    resumed = resume_pending()
    requeued = {"payments": resumed.payments, "refunds": resumed.refunds, "deliveries": resumed.deliveries}
    return {"counts": counts, "requeued": requeued, "expired_deleted": swept}


def main(argv: list[str]) -> int:
    if argv not in ([], ["--provision"]):
        print("usage: python -m infra.local.resume [--provision]", file=sys.stderr)
        return 2
    if argv:
        from ..migrations.runner import NEWER_SCHEMA_EXIT, NewerSchema
        from ..provision import provision

        try:
            print(json.dumps(provision(True, os.environ.get("TEST_MERCHANT_WEBHOOK_URL"))), flush=True)
        except NewerSchema as error:
            print(f"provision: {error}", file=sys.stderr, flush=True)
            return NEWER_SCHEMA_EXIT
    print(json.dumps(summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
