"""`make package`: the deployable template and Lambda zip of the prod stage.

Runs the Makefile's own recipe into a temporary folder, then checks what CloudFormation and Lambda
would get: ReportBatchItemFailures (and the stage's batch settings) on every SQS event source, the
tables and queues of infra/template.py merged in, policies pinned to the stage's own resources,
cfn-lint clean, and a Lambda zip under 10 MB without test-only or local-only packages that imports
in a Lambda-like interpreter."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from infra import queue_rules
from infra.resources import QUEUES
from infra.template import queue_id, template
from tests.support.stack import ROOT

pytestmark = pytest.mark.package

MAX_ZIP_BYTES = 10 * 1024 * 1024
CHALICE = json.loads((ROOT / ".chalice" / "config.json").read_text())
PROD = CHALICE["stages"]["prod"]["environment_variables"]
SOURCE_KEYS = {"payment-jobs": "PAYMENTS", "refund-jobs": "REFUNDS", "webhook-deliveries": "WEBHOOKS"}
# Never in a Lambda package: the developer tools, the emulators, the test tools, and what the
# Lambda runtime brings itself.
NOT_SHIPPED = (
    "moto",
    "pytest",
    "_pytest",
    "playwright",
    "pytest_playwright",
    "xdist",
    "razorpay",
    "requests",
    "flask",
    "werkzeug",
    "cfnlint",
    "samtranslator",
    "boto3",
    "botocore",
    "s3transfer",
)
# Shipped although the runtime has a copy: the delivery code needs 2.x with the 2025 fixes.
URLLIB3_AT_LEAST = (2, 5, 0)


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    """One `make package` for the whole run. xdist workers share it through a lock: two
    `chalice package` runs at once write the same zip in .chalice/deployments and corrupt it
    (BadZipFile). The folder above each worker's base temp is common to all workers."""
    shared = tmp_path_factory.getbasetemp().parent
    out, done_marker = shared / "package", shared / "package.done"
    with open(shared / "package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done_marker.exists():
            started = time.monotonic()
            done = subprocess.run(
                ["make", "--no-print-directory", "package", f"PACKAGE_DIR={out}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
                env={k: v for k, v in os.environ.items() if k != "QUEUE_VISIBILITY_TIMEOUT"},
            )
            assert done.returncode == 0, f"make package failed:\n{done.stdout}\n{done.stderr}"
            print(f"make package took {time.monotonic() - started:.1f} s: {done.stdout.strip().splitlines()[-1]}")
            done_marker.touch()
    return out


def sqs_event_sources(sam: dict) -> list[dict]:
    found = []
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            found += [
                event["Properties"]
                for event in (resource["Properties"].get("Events") or {}).values()
                if event["Type"] == "SQS"
            ]
        elif resource["Type"] == "AWS::Lambda::EventSourceMapping":
            found.append(resource["Properties"])
    return found


def test_every_sqs_event_source_reports_batch_item_failures(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    sources = sqs_event_sources(sam)
    assert len(sources) == len(QUEUES)
    consumed = []
    for properties in sources:
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queue = properties.get("Queue") or properties["EventSourceArn"]
        resource_id = queue["Fn::GetAtt"][0]
        assert queue == {"Fn::GetAtt": [resource_id, "Arn"]}
        assert sam["Resources"][resource_id]["Type"] == "AWS::SQS::Queue"
        consumed.append(resource_id)
        logical = sam["Resources"][resource_id]["Properties"]["QueueName"].removeprefix("paygw-prod-")
        key = SOURCE_KEYS[logical]
        assert properties["BatchSize"] == int(PROD[f"SQS_{key}_BATCH_SIZE"])
        assert properties["MaximumBatchingWindowInSeconds"] == int(PROD[f"SQS_{key}_BATCHING_WINDOW"])
        assert properties["ScalingConfig"] == {"MaximumConcurrency": int(PROD[f"SQS_{key}_MAX_CONCURRENCY"])}
    assert sorted(consumed) == sorted(queue_id(spec) for spec in QUEUES)


def test_the_tables_and_queues_are_the_infrastructure_templates(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    infrastructure = template("prod", retain=True)
    assert json.loads((packaged / "infrastructure.json").read_text()) == infrastructure
    stateful = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::KMS::Alias")
    for resource_id, resource in infrastructure["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            continue  # the function alarms name the packaged functions (the next test)
        assert sam["Resources"][resource_id] == resource
        if resource["Type"] in stateful:
            assert resource["DeletionPolicy"] == "Retain"
    assert sorted(
        r["Properties"]["TableName"] for r in sam["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"
    ) == sorted(
        r["Properties"]["TableName"]
        for r in infrastructure["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    )


def test_the_function_alarms_watch_the_packaged_functions(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    alarms = [r["Properties"] for r in sam["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = [d["Value"] for a in alarms for d in a.get("Dimensions", []) if d["Name"] == "FunctionName"]
    assert watched and all(isinstance(value, dict) and value["Ref"] in sam["Resources"] for value in watched)
    assert {value["Ref"] for value in watched} == {
        "APIHandler",
        "ProcessPayments",
        "ProcessRefunds",
        "DeliverWebhooks",
        "Reconcile",
    }


def test_the_reconciler_runs_on_an_eventbridge_schedule_at_the_stages_rate(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    reconcile = sam["Resources"]["Reconcile"]
    assert reconcile["Type"] == "AWS::Serverless::Function"
    assert reconcile["Properties"]["Handler"] == "app.reconcile"
    [event] = reconcile["Properties"]["Events"].values()
    minutes = int(PROD["RECONCILE_RATE_MINUTES"])
    assert event["Type"] == "Schedule"  # SAM turns it into an AWS::Events::Rule and its permission
    assert event["Properties"]["Schedule"] == f"rate({minutes} minute{'s' if minutes > 1 else ''})"
    variables = reconcile["Properties"]["Environment"]["Variables"]
    assert variables["RECONCILE_GRACE_SECONDS"] == PROD["RECONCILE_GRACE_SECONDS"]


def test_the_roles_reach_only_the_stacks_own_resources(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    roles = [r for r in sam["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert roles
    for role in roles:
        for policy in role["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement["Sid"] == "SecretsKey":
                    assert statement["Resource"] == [{"Fn::GetAtt": ["SecretsKey", "Arn"]}]
                    assert sam["Resources"]["SecretsKey"]["Type"] == "AWS::KMS::Key"
                    continue
                for resource in statement["Resource"]:
                    pattern = resource["Fn::Sub"]
                    assert (
                        pattern.startswith("arn:${AWS::Partition}:") and ":${AWS::Region}:${AWS::AccountId}:" in pattern
                    )
                    assert "paygw-prod-" in pattern or "/aws/lambda/payment-gateway-prod" in pattern


def test_the_session_secret_is_a_parameter_not_a_committed_value(packaged):
    sam = json.loads((packaged / "sam.json").read_text())
    assert sam["Parameters"]["SessionSecret"]["NoEcho"] is True
    api = next(
        r
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"]["Handler"] == "app.app"
    )
    assert api["Properties"]["Environment"]["Variables"]["SESSION_SECRET"] == {"Ref": "SessionSecret"}


def test_cfn_lint_passes(packaged):
    cfn_lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    assert cfn_lint, "cfn-lint is in requirements-dev.txt"
    done = subprocess.run(
        [cfn_lint, str(packaged / "sam.json"), str(packaged / "infrastructure.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_lambda_zip_is_small_and_holds_only_runtime_dependencies(packaged):
    zip_path = packaged / "deployment.zip"
    assert zip_path.stat().st_size <= MAX_ZIP_BYTES
    names = zipfile.ZipFile(zip_path).namelist()
    tops = {name.split("/", 1)[0].removesuffix(".py") for name in names}
    assert not tops & set(NOT_SHIPPED), sorted(tops & set(NOT_SHIPPED))
    assert not [
        name
        for name in names
        if name.split("/", 1)[0].split("-", 1)[0].lower() in NOT_SHIPPED and ".dist-info/" in name
    ]
    # Chalice's own runtime (chalice/app.py) only, never its CLI and deployer.
    assert sorted(n for n in names if n.startswith("chalice/") and "__pycache__" not in n) == [
        "chalice/__init__.py",
        "chalice/app.py",
    ]
    assert "app.py" in names and "chalicelib/jobs/sources.py" in names
    assert any(n.startswith("pydantic_core/") and n.endswith("x86_64-linux-gnu.so") for n in names)
    assert any(n.startswith("chalicelib/__pycache__/") and n.endswith(".cpython-311.pyc") for n in names)


def test_the_packaged_app_imports_with_only_the_runtimes_boto3(packaged):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "cold_start.py"),
            "--zip",
            str(packaged / "deployment.zip"),
            "--runs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "import app" in done.stdout


def test_the_package_ships_its_own_urllib3_2_with_the_2025_fixes(packaged, tmp_path):
    """Imported from the extracted zip alone, first on the path as /var/task is on Lambda: the
    copy the delivery code gets is the package's, whatever the runtime brings."""
    with zipfile.ZipFile(packaged / "deployment.zip") as archive:
        archive.extractall(tmp_path / "task")
    probe = "import urllib3, sys; print(urllib3.__version__); print(urllib3.__file__)"
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path / "task"), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    version, location = done.stdout.split()
    assert Path(location).is_relative_to(tmp_path / "task")
    assert tuple(int(part) for part in version.split(".")[:3]) >= URLLIB3_AT_LEAST, version


def test_the_webhook_function_outlives_an_attempt_and_its_queue_outlives_the_function(packaged):
    """The template's webhook function timeout is derived from the attempt's deadline, and its
    queue's visibility (the delivery's ownership) is at least six times that timeout."""
    sam = json.loads((packaged / "sam.json").read_text())
    [function] = [
        r["Properties"]
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"].get("Handler") == "app.deliver_webhooks"
    ]
    deadline = float(PROD["WEBHOOK_TIMEOUT_SECONDS"])
    assert function["Timeout"] == queue_rules.webhook_function_timeout("prod")
    assert function["Timeout"] >= deadline + queue_rules.WEBHOOK_RECORD_MARGIN_SECONDS
    [queue] = [
        r["Properties"]
        for r in sam["Resources"].values()
        if r["Type"] == "AWS::SQS::Queue" and r["Properties"]["QueueName"].endswith("-webhook-deliveries")
    ]
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]


def test_the_rest_api_answers_unknown_routes_itself_and_is_throttled(packaged):
    """infra/api_gateway.py's work, on the packaged template: tests/deploy/test_api_gateway.py
    checks each part on a small one."""
    sam = json.loads((packaged / "sam.json").read_text())
    (api,) = [r["Properties"] for r in sam["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    responses = api["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["statusCode"] == "404"
    assert json.loads(missing["responseTemplates"]["application/json"])["error"]["code"] == "NOT_FOUND_ERROR"
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"} <= set(responses)
    paths = api["DefinitionBody"]["paths"]
    assert paths and all("x-amazon-apigateway-any-method" in methods for methods in paths.values())
    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": float(PROD["API_THROTTLE_RATE_LIMIT"]),
            "ThrottlingBurstLimit": int(PROD["API_THROTTLE_BURST_LIMIT"]),
        }
    ]
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            assert not any(
                name.startswith("API_THROTTLE_") for name in resource["Properties"]["Environment"]["Variables"]
            )
