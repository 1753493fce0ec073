"""Create every table and queue of the stage, idempotently: running it again changes nothing
that exists, and brings queue attributes back to their description. Then apply the stage's
missing schema migrations (infra/migrations), before anything is seeded.

    python -m infra.provision [--seed]

Exits with NEWER_SCHEMA_EXIT (2), and a message, when the stage's data is at a schema version
newer than this code knows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from botocore.exceptions import ClientError

from chalicelib.aws import client
from chalicelib.config import settings
from chalicelib.vault import key_alias

from .migrations.runner import NEWER_SCHEMA_EXIT, NewerSchema, migrate
from .resources import DLQ_RETENTION_SECONDS, QUEUES, SECRETS_KEY_DESCRIPTION, tables, visibility_timeout


def ensure_tables() -> list[str]:
    dynamodb = client("dynamodb")
    existing = set()
    for page in dynamodb.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    created = []
    for table in tables():
        if table.name not in existing:
            arguments = {
                "TableName": table.name,
                "KeySchema": table.key_schema,
                "AttributeDefinitions": table.attribute_definitions,
                "BillingMode": "PAY_PER_REQUEST",
            }
            if table.global_secondary_indexes:
                arguments["GlobalSecondaryIndexes"] = table.global_secondary_indexes
            try:
                dynamodb.create_table(**arguments)
                created.append(table.name)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceInUseException":
                    raise
    for table in tables():
        dynamodb.get_waiter("table_exists").wait(TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        if table.ttl_attribute:
            current = dynamodb.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                try:
                    dynamodb.update_time_to_live(
                        TableName=table.name,
                        TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
                    )
                except ClientError as error:
                    # Another provisioner of the same stage enabled it since we looked, as with
                    # ResourceInUseException above: what we wanted is done.
                    if "already enabled" not in error.response["Error"].get("Message", ""):
                        raise
    return created


def ensure_queues() -> list[str]:
    sqs = client("sqs")
    names = []
    for spec in QUEUES:
        dlq_url = sqs.create_queue(
            QueueName=spec.dead_letter_name, Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
        )["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {
            "VisibilityTimeout": str(visibility_timeout(spec)),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": spec.max_receive_count}),
        }
        try:
            sqs.create_queue(QueueName=spec.name, Attributes=attributes)
        except ClientError as error:
            # Exists with other attributes: bring it back to its description.
            if error.response["Error"]["Code"] not in ("QueueAlreadyExists", "QueueNameExists"):
                raise
            url = sqs.get_queue_url(QueueName=spec.name)["QueueUrl"]
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        names += [spec.name, spec.dead_letter_name]
    return names


def ensure_secrets_key() -> str:
    kms = client("kms")
    alias = key_alias()
    aliases = {entry["AliasName"] for page in kms.get_paginator("list_aliases").paginate() for entry in page["Aliases"]}
    if alias not in aliases:
        key_id = kms.create_key(Description=SECRETS_KEY_DESCRIPTION)["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    return alias


def provision(seed: bool, webhook_url: str | None = None) -> dict:
    created = ensure_tables()
    queue_names = ensure_queues()
    ensure_secrets_key()
    migrated = migrate(say=lambda line: print(f"provision: {line}", file=sys.stderr, flush=True))
    seeded = False
    if seed:
        from chalicelib.services.merchants import seed_test_merchant

        seeded = seed_test_merchant(webhook_url)
    return {
        "stage": settings().stage,
        "tables_created": created,
        "queues": queue_names,
        "schema_version": migrated.to_version,
        "migrations_applied": list(migrated.applied),
        "merchant_created": seeded,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", action="store_true", help="also seed the test merchant")
    parser.add_argument("--webhook-url", default=os.environ.get("TEST_MERCHANT_WEBHOOK_URL"))
    args = parser.parse_args()
    try:
        print(json.dumps(provision(args.seed, args.webhook_url)))
    except NewerSchema as error:
        print(f"provision: {error}", file=sys.stderr, flush=True)
        return NEWER_SCHEMA_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
