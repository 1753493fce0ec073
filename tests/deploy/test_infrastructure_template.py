"""The CloudFormation template of infra/template.py, deployed into the moto server's CloudFormation,
creates exactly the tables, queues and secrets key that infra/provision.py creates for another
stage on the same server: same key schemas, indexes, billing, TTL, visibility timeouts, dead-letter
queues and redrive policies, and a key of the same kind under the stage's alias."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import replace

import boto3
import pytest

from chalicelib.config import settings
from infra.resources import QUEUES, tables
from infra.template import secrets_key_alias
from tests.support.stack import ROOT, base_env

# Queue attributes that describe the queue, not its contents or its identity.
QUEUE_SETTINGS = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
)


def prefix(stage: str) -> str:
    return replace(settings(), stage=stage).resource_prefix + "-"


def stage_env(emulator, stage: str) -> dict[str, str]:
    env = {**base_env(), "AWS_ENDPOINT_URL": emulator.url, "STAGE": stage}
    env.pop("QUEUE_VISIBILITY_TIMEOUT", None)  # the description's own timeouts, not the tests' short ones
    return env


def aws(emulator, service: str):
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def stages(emulator):
    """(stage deployed through CloudFormation, stage provisioned by infra.provision, template)."""
    deployed, provisioned = "cfn" + uuid.uuid4().hex[:8], "prv" + uuid.uuid4().hex[:8]
    body = run(["-m", "infra.template", "--stage", deployed], stage_env(emulator, "local"))
    cloudformation = aws(emulator, "cloudformation")
    stack = f"{prefix(deployed)}infrastructure"
    cloudformation.create_stack(StackName=stack, TemplateBody=body)
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    run(["-m", "infra.provision"], stage_env(emulator, provisioned))
    yield deployed, provisioned, json.loads(body)
    cloudformation.delete_stack(StackName=stack)


def described_tables(emulator, stage: str) -> dict[str, dict]:
    dynamodb = aws(emulator, "dynamodb")
    names = [
        name
        for page in dynamodb.get_paginator("list_tables").paginate()
        for name in page["TableNames"]
        if name.startswith(prefix(stage))
    ]
    found = {}
    for name in names:
        table = dynamodb.describe_table(TableName=name)["Table"]
        found[name.removeprefix(prefix(stage))] = {
            "KeySchema": sorted(table["KeySchema"], key=lambda key: key["KeyType"]),
            "AttributeDefinitions": sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
            "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode"),
            "GlobalSecondaryIndexes": sorted(
                (
                    {
                        "IndexName": index["IndexName"],
                        "Projection": index["Projection"],
                        "KeySchema": sorted(index["KeySchema"], key=lambda key: key["KeyType"]),
                    }
                    for index in table.get("GlobalSecondaryIndexes", [])
                ),
                key=lambda index: index["IndexName"],
            ),
            "LocalSecondaryIndexes": table.get("LocalSecondaryIndexes", []),
        }
    return found


def time_to_live(emulator, stage: str) -> dict[str, str | None]:
    dynamodb = aws(emulator, "dynamodb")
    found = {}
    for table in tables():
        name = prefix(stage) + table.name.removeprefix(settings().resource_prefix + "-")
        description = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        enabled = description.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
        found[name.removeprefix(prefix(stage))] = description.get("AttributeName") if enabled else None
    return found


def described_queues(emulator, stage: str) -> dict[str, dict]:
    sqs = aws(emulator, "sqs")
    found = {}
    for url in sqs.list_queues(QueueNamePrefix=prefix(stage)).get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        described = {name: attributes.get(name) for name in QUEUE_SETTINGS}
        if "RedrivePolicy" in attributes:
            redrive = json.loads(attributes["RedrivePolicy"])
            described["RedrivePolicy"] = {
                "deadLetterTarget": redrive["deadLetterTargetArn"].rsplit(":", 1)[-1].removeprefix(prefix(stage)),
                "maxReceiveCount": int(redrive["maxReceiveCount"]),
            }
        found[url.rsplit("/", 1)[-1].removeprefix(prefix(stage))] = described
    return found


def test_the_stack_creates_the_tables_the_provisioner_creates(emulator, stages):
    deployed, provisioned, _ = stages
    from_template, from_provisioner = described_tables(emulator, deployed), described_tables(emulator, provisioned)
    assert len(from_provisioner) == len(tables()) > 0
    assert sorted(from_template) == sorted(from_provisioner)
    for name, described in from_provisioner.items():
        assert from_template[name] == described, name
    assert from_provisioner["merchants"]["GlobalSecondaryIndexes"], "the description has indexes to compare"
    assert {d["BillingMode"] for d in from_template.values()} == {"PAY_PER_REQUEST"}


def test_the_stack_creates_the_queues_the_provisioner_creates(emulator, stages):
    deployed, provisioned, _ = stages
    from_template, from_provisioner = described_queues(emulator, deployed), described_queues(emulator, provisioned)
    assert len(from_provisioner) == 2 * len(QUEUES) > 0
    assert from_template == from_provisioner
    for spec in QUEUES:
        logical = spec.logical
        assert from_template[logical]["VisibilityTimeout"] == str(spec.visibility_timeout)
        assert from_template[logical]["RedrivePolicy"] == {
            "deadLetterTarget": logical + "-dlq",
            "maxReceiveCount": spec.max_receive_count,
        }
        assert "RedrivePolicy" not in from_template[logical + "-dlq"]


def described_key(emulator, stage: str) -> dict:
    kms = aws(emulator, "kms")
    alias = next(
        (
            entry
            for page in kms.get_paginator("list_aliases").paginate()
            for entry in page["Aliases"]
            if entry["AliasName"] == secrets_key_alias(stage)
        ),
        None,
    )
    assert alias, f"no key under {secrets_key_alias(stage)}"
    key = kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]
    # moto leaves out KMS's defaults when CreateKey does not name them; AWS reports them.
    key["KeyUsage"] = key.get("KeyUsage") or "ENCRYPT_DECRYPT"
    key["KeySpec"] = key.get("KeySpec") or "SYMMETRIC_DEFAULT"
    return {name: key.get(name) for name in ("Description", "KeyUsage", "KeySpec", "KeyState", "Enabled", "Origin")}


def test_the_stack_creates_the_secrets_key_the_provisioner_creates(emulator, stages):
    deployed, provisioned, _ = stages
    assert described_key(emulator, deployed) == described_key(emulator, provisioned)
    assert described_key(emulator, deployed)["KeyState"] == "Enabled"


def test_the_stack_holds_nothing_but_the_tables_queues_key_and_alarm_topic(emulator, stages):
    deployed, _, _ = stages
    resources = aws(emulator, "cloudformation").describe_stack_resources(StackName=f"{prefix(deployed)}infrastructure")[
        "StackResources"
    ]
    # moto 5.2.5's CloudFormation skips what it cannot create (the alarms and the topic's email
    # subscription: "No Moto CloudFormation support"), listing them without a type;
    # tests/deploy/test_template_operability.py checks what the template declares for those.
    kinds = sorted(resource["ResourceType"] for resource in resources if "ResourceType" in resource)
    assert kinds == sorted(
        ["AWS::DynamoDB::Table"] * len(tables())
        + ["AWS::SQS::Queue"] * 2 * len(QUEUES)
        + ["AWS::KMS::Key", "AWS::KMS::Alias", "AWS::SNS::Topic"]
    )
    assert {resource["ResourceStatus"] for resource in resources} == {"CREATE_COMPLETE"}


def test_the_template_declares_the_ttl_the_provisioner_enables(emulator, stages):
    deployed, provisioned, template = stages
    declared = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            spec = resource["Properties"].get("TimeToLiveSpecification")
            name = resource["Properties"]["TableName"].removeprefix(prefix(deployed))
            declared[name] = spec["AttributeName"] if spec and spec["Enabled"] else None
    enabled = time_to_live(emulator, provisioned)
    assert declared == enabled
    assert enabled["sessions"] == "expires_at" and enabled["idempotency"] == "expiration"


@pytest.mark.xfail(
    strict=True,
    reason="moto 5.2.5's CloudFormation ignores TimeToLiveSpecification "
    "(moto/dynamodb/models/table.py create_from_cloudformation_json); "
    "when this passes, moto honours it: drop the mark",
)
def test_the_stack_enables_the_ttl_the_provisioner_enables(emulator, stages):
    deployed, provisioned, _ = stages
    assert time_to_live(emulator, deployed) == time_to_live(emulator, provisioned)
