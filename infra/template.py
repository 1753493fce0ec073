"""The CloudFormation template of a stage's tables, queues and secrets key, from infra/resources.py.

    python -m infra.template --stage prod [--retain] [--production|--no-production] [-o file]

The same description the local provisioner (infra/provision.py) applies: every table with its
keys, global secondary indexes, TTL attribute and on-demand billing; every job queue with its
visibility timeout, its dead-letter queue and the redrive policy between them; the KMS key that
seals merchants' secrets, under its alias; the CloudWatch alarms of infra/alarms.py and their SNS
topic (the AlarmEmail parameter subscribes an address). A production stage (resources.py's
PRODUCTION_STAGES, or --production) also gets point-in-time recovery and deletion protection on
every table. Deployed on its own it is the infrastructure stack; `make package` merges it into
Chalice's template.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.config import resource_name

from . import alarms
from .resources import (
    DLQ_RETENTION_SECONDS,
    PRODUCTION_STAGES,
    QUEUES,
    SECRETS_KEY_DESCRIPTION,
    SECRETS_KEY_LOGICAL,
    QueueSpec,
    TableSpec,
    for_stage,
    logical_name,
    tables,
    visibility_timeout,
)

DESCRIPTION = "Payment gateway ({stage}): DynamoDB tables, SQS job queues with dead-letter queues, secrets key, alarms"
SECRETS_KEY_ID = "SecretsKey"
SECRETS_KEY_ALIAS_ID = "SecretsKeyAlias"


def resource_id(name: str, kind: str) -> str:
    """CloudFormation's logical id: "webhook-deliveries", "Queue" -> "WebhookDeliveriesQueue"."""
    return "".join(part.capitalize() for part in logical_name(name).split("-")) + kind


def table_id(table: TableSpec) -> str:
    return resource_id(table.name, "Table")


def queue_id(spec: QueueSpec) -> str:
    return resource_id(spec.name, "Queue")


def dead_letter_queue_id(spec: QueueSpec) -> str:
    return resource_id(spec.name, "DeadLetterQueue")


def _table(table: TableSpec, stage: str, production: bool) -> dict:
    properties: dict = {
        "TableName": for_stage(table.name, stage),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": table.attribute_definitions,
        "KeySchema": table.key_schema,
    }
    if table.global_secondary_indexes:
        properties["GlobalSecondaryIndexes"] = table.global_secondary_indexes
    if table.ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": table.ttl_attribute, "Enabled": True}
    if production:
        # Restore to any second of the last 35 days; no delete, by hand or by a stack change,
        # until someone turns the protection off first.
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        properties["DeletionProtectionEnabled"] = True
    return {"Type": "AWS::DynamoDB::Table", "Properties": properties}


def _queues(spec: QueueSpec, stage: str) -> dict[str, dict]:
    return {
        dead_letter_queue_id(spec): {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": for_stage(spec.dead_letter_name, stage),
                "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            },
        },
        queue_id(spec): {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": for_stage(spec.name, stage),
                "VisibilityTimeout": visibility_timeout(spec),
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [dead_letter_queue_id(spec), "Arn"]},
                    "maxReceiveCount": spec.max_receive_count,
                },
            },
        },
    }


def secrets_key_alias(stage: str) -> str:
    """alias/paygw-<stage>-secrets: chalicelib/vault.py's key_alias() for that stage."""
    return "alias/" + for_stage(resource_name(SECRETS_KEY_LOGICAL), stage)


def _secrets_key(stage: str) -> dict[str, dict]:
    # KMS's default key policy, spelt out: the account's IAM policies decide who uses the key. As
    # JSON text (the property takes an object or a string) because moto reads it as text.
    key_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountIamPolicies",
                    "Effect": "Allow",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Principal": {"AWS": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"},
                }
            ],
        }
    )
    return {
        SECRETS_KEY_ID: {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": SECRETS_KEY_DESCRIPTION,
                "KeyPolicy": {"Fn::Sub": key_policy},
                # KMS's defaults, as chalicelib/vault.py's encrypt/decrypt need them.
                "KeyUsage": "ENCRYPT_DECRYPT",
                "KeySpec": "SYMMETRIC_DEFAULT",
            },
        },
        SECRETS_KEY_ALIAS_ID: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": secrets_key_alias(stage), "TargetKeyId": {"Ref": SECRETS_KEY_ID}},
        },
    }


def template(stage: str, retain: bool = False, production: bool | None = None) -> dict:
    """`retain` keeps the tables, queues and key (and so the data) when the stack is deleted or a
    change would replace them: what a production stage wants, not a throwaway one. `production`
    (default: the stage is one of PRODUCTION_STAGES) protects the tables (see _table)."""
    if production is None:
        production = stage in PRODUCTION_STAGES
    resources: dict[str, dict] = {}
    outputs: dict[str, dict] = {}
    for table in tables():
        resources[table_id(table)] = _table(table, stage, production)
    for spec in QUEUES:
        resources.update(_queues(spec, stage))
        outputs[queue_id(spec) + "Url"] = {"Value": {"Ref": queue_id(spec)}}
        outputs[queue_id(spec) + "Arn"] = {"Value": {"Fn::GetAtt": [queue_id(spec), "Arn"]}}
    resources.update(_secrets_key(stage))
    outputs[SECRETS_KEY_ID + "Arn"] = {"Value": {"Fn::GetAtt": [SECRETS_KEY_ID, "Arn"]}}
    if retain:
        # Losing the key would lose every sealed secret: it stays, like the data.
        for resource in resources.values():
            resource.update({"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
    resources.update(alarms.resources(stage))
    outputs[alarms.TOPIC_ID + "Arn"] = {"Value": {"Ref": alarms.TOPIC_ID}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": DESCRIPTION.format(stage=stage),
        "Parameters": alarms.PARAMETERS,
        "Conditions": alarms.CONDITIONS,
        "Resources": resources,
        "Outputs": outputs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--retain", action="store_true", help="DeletionPolicy/UpdateReplacePolicy: Retain")
    parser.add_argument(
        "--production",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="point-in-time recovery and deletion protection on every table (default: stages in PRODUCTION_STAGES)",
    )
    parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args()
    text = json.dumps(template(args.stage, args.retain, args.production), indent=2) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
