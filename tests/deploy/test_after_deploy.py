"""The scripts around a deployment: infra.post_deploy (after `chalice deploy`) on the moto server's
Lambda, and infra.localstack_deploy's own checks (LocalStack itself needs Docker, absent in CI)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
import zipfile

import boto3

from infra.localstack_deploy import with_code_in_s3
from infra.migrations.runner import discover
from tests.support.stack import ROOT, base_env


def aws(emulator, service: str):
    return boto3.client(
        service,
        endpoint_url=emulator.dynamodb_url if service == "dynamodb" else emulator.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def chalice_like_deployment(emulator, stage: str) -> dict[str, str]:
    """What `chalice deploy --stage <stage>` leaves: the API function, an SQS-triggered function
    and its mapping without ReportBatchItemFailures. Returns {name: mapping uuid or function}."""
    iam, lambda_client, sqs = aws(emulator, "iam"), aws(emulator, "lambda"), aws(emulator, "sqs")
    role = iam.create_role(
        RoleName=f"payment-gateway-{stage}",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    created = {}
    for function in (f"payment-gateway-{stage}", f"payment-gateway-{stage}-process_payments"):
        lambda_client.create_function(
            FunctionName=function,
            Runtime="python3.11",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": tiny_zip()},
            Environment={"Variables": {"STAGE": stage}},
        )
    queue_url = sqs.create_queue(QueueName=f"paygw-{stage}-payment-jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    created["mapping"] = lambda_client.create_event_source_mapping(
        EventSourceArn=queue_arn,
        FunctionName=f"payment-gateway-{stage}-process_payments",
        BatchSize=10,
        ScalingConfig={"MaximumConcurrency": 4},
    )["UUID"]
    return created


def post_deploy(emulator, stage: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.post_deploy", "--stage", stage],
        cwd=ROOT,
        env={**base_env(), **emulator.endpoints, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def infrastructure(emulator, stage: str) -> None:
    """The stage's tables, queues and key, as its infrastructure stack creates them before `chalice deploy`."""
    done = subprocess.run(
        [sys.executable, "-m", "infra.provision"],
        cwd=ROOT,
        env={**base_env(), **emulator.endpoints, "STAGE": stage},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def schema_version(emulator, stage: str) -> int:
    item = aws(emulator, "dynamodb").get_item(TableName=f"paygw-{stage}-schema", Key={"id": {"S": "version"}})
    return int(item["Item"]["version"]["N"]) if "Item" in item else 0


def test_post_deploy_turns_on_report_batch_item_failures_for_its_stage_only(emulator):
    stage, other = "pd" + uuid.uuid4().hex[:8], "pd" + uuid.uuid4().hex[:8]
    mine, theirs = chalice_like_deployment(emulator, stage), chalice_like_deployment(emulator, other)
    infrastructure(emulator, stage)
    done = post_deploy(emulator, stage, SESSION_SECRET="s" * 40)
    assert done.returncode == 0, done.stderr
    assert f"schema version {discover('infra.migrations')[-1].version}" in done.stdout
    lambda_client = aws(emulator, "lambda")
    mapping = lambda_client.get_event_source_mapping(UUID=mine["mapping"])
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 4}
    assert not lambda_client.get_event_source_mapping(UUID=theirs["mapping"]).get("FunctionResponseTypes")
    variables = lambda_client.get_function_configuration(FunctionName=f"payment-gateway-{stage}")["Environment"][
        "Variables"
    ]
    assert variables == {"STAGE": stage, "SESSION_SECRET": "s" * 40}
    other_api = lambda_client.get_function_configuration(FunctionName=f"payment-gateway-{other}")
    assert "SESSION_SECRET" not in other_api["Environment"]["Variables"]


def test_post_deploy_migrates_an_older_state_and_refuses_a_newer_one(emulator):
    stage = "pd" + uuid.uuid4().hex[:8]
    chalice_like_deployment(emulator, stage)
    infrastructure(emulator, stage)
    dynamodb = aws(emulator, "dynamodb")
    dynamodb.delete_item(TableName=f"paygw-{stage}-schema", Key={"id": {"S": "version"}})  # before migrations
    done = post_deploy(emulator, stage)
    assert done.returncode == 0, done.stderr
    assert "migration 1: baseline" in done.stdout
    assert schema_version(emulator, stage) == discover("infra.migrations")[-1].version
    dynamodb.put_item(TableName=f"paygw-{stage}-schema", Item={"id": {"S": "version"}, "version": {"N": "99"}})
    refused = post_deploy(emulator, stage)
    assert refused.returncode == 2
    assert "schema version 99, newer than this code's" in refused.stderr and "Traceback" not in refused.stderr


def test_post_deploy_warns_of_a_missing_session_secret_whatever_the_stage_is_called(emulator):
    """Safe by default: the API of any stage refuses every request without SESSION_SECRET."""
    stage = "staging" + uuid.uuid4().hex[:6]
    chalice_like_deployment(emulator, stage)
    infrastructure(emulator, stage)
    warned = post_deploy(emulator, stage)
    assert warned.returncode == 0, warned.stderr
    assert f"SESSION_SECRET is set neither here nor on payment-gateway-{stage}" in warned.stderr
    assert post_deploy(emulator, stage, SESSION_SECRET="s" * 40).returncode == 0
    again = post_deploy(emulator, stage)  # the secret is on the function now: nothing to say
    assert again.returncode == 0 and "SESSION_SECRET" not in again.stderr


def test_post_deploy_says_so_when_the_stage_was_never_deployed(emulator):
    done = post_deploy(emulator, "never" + uuid.uuid4().hex[:6])
    assert done.returncode == 1
    assert "chalice deploy --stage" in done.stderr


def test_localstack_deploy_refuses_to_run_without_an_endpoint(tmp_path):
    env = {name: value for name, value in base_env().items() if name != "AWS_ENDPOINT_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "infra.localstack_deploy", "--dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "AWS_ENDPOINT_URL" in done.stderr


def test_localstack_deploy_points_every_function_at_the_uploaded_zip():
    sam = {
        "Resources": {
            "Api": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
            "Jobs": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}},
        }
    }
    moved = with_code_in_s3(sam, "bucket", "deployment-abc.zip")
    assert moved["Resources"]["Api"]["Properties"]["CodeUri"] == {"Bucket": "bucket", "Key": "deployment-abc.zip"}
    assert moved["Resources"]["Jobs"]["Properties"]["CodeUri"] == {"Bucket": "bucket", "Key": "deployment-abc.zip"}
    assert moved["Resources"]["Queue"] == sam["Resources"]["Queue"]
    assert sam["Resources"]["Api"]["Properties"]["CodeUri"] == "./deployment.zip", "the input is left alone"
