"""`chalice deploy`, executed: docs/deploy.md's path B for a stage, run to completion against a moto
server, then compared with what `make package`'s template declares, then `chalice delete`.

The server is tests/support/deploy_emulator.py: moto with ImportRestApi's one gap filled (it
requires an `info.description` Chalice's OpenAPI document lacks; docs/deploy.md has the error)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.deploy.test_package import packaged  # noqa: F401 - the session's one `make package`
from tests.support.stack import ROOT, Emulator, base_env

STAGE = "localstack"  # a stage of .chalice/config.json; its tables and queues are paygw-localstack-*
APP = "payment-gateway"
CHALICE = str(Path(sys.executable).with_name("chalice"))


def run(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def declared(sam: dict) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The packaged template's function handlers, (handler, queue) SQS sources and scheduled handlers."""
    handlers, sources, scheduled = set(), set(), set()
    for resource in sam["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        handler = resource["Properties"]["Handler"]
        handlers.add(handler)
        for event in (resource["Properties"].get("Events") or {}).values():
            if event["Type"] == "SQS":
                queue_resource = sam["Resources"][event["Properties"]["Queue"]["Fn::GetAtt"][0]]
                sources.add((handler, queue_resource["Properties"]["QueueName"].removeprefix("paygw-prod-")))
            elif event["Type"] == "Schedule":
                scheduled.add(handler)
    return handlers, sources, scheduled


@pytest.mark.package
@pytest.mark.timeout(900)  # `make package` (the fixture) and chalice's own build: minutes on a cold cache
def test_chalice_deploy_creates_what_the_template_declares_and_chalice_delete_removes_it(packaged):  # noqa: F811
    server = Emulator(module="tests.support.deploy_emulator")
    try:
        env = {**base_env(), **server.endpoints, "STAGE": STAGE}
        clients = {
            name: boto3.client(
                name,
                endpoint_url=server.url,
                region_name="us-east-1",
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
            for name in ("lambda", "apigateway", "iam", "events")
        }
        provisioned = run([sys.executable, "-m", "infra.provision"], env)
        assert provisioned.returncode == 0, provisioned.stderr
        deployed = run([CHALICE, "deploy", "--stage", STAGE], env)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert "Rest API URL" in deployed.stdout
        after = run([sys.executable, "-m", "infra.post_deploy", "--stage", STAGE], {**env, "SESSION_SECRET": "s" * 40})
        assert after.returncode == 0, after.stderr

        functions = {f["FunctionName"]: f for f in clients["lambda"].list_functions()["Functions"]}
        handlers, sources, scheduled = declared(json.loads((packaged / "sam.json").read_text()))
        assert {f["Handler"] for f in functions.values()} == handlers
        # Chalice gives each function its own role (their settings differ per function), each with
        # the stage's policy file as its inline policy.
        roles = {r["Arn"]: r["RoleName"] for r in clients["iam"].list_roles()["Roles"]}
        role_names = {roles[f["Role"]] for f in functions.values()}
        assert len(role_names) == len(functions)
        stage_policy = json.loads((ROOT / ".chalice" / f"policy-{STAGE}.json").read_text())
        for role_name in role_names:
            assert role_name.startswith(f"{APP}-{STAGE}-")
            policy = clients["iam"].get_role_policy(RoleName=role_name, PolicyName=role_name)["PolicyDocument"]
            assert policy == stage_policy

        mappings = clients["lambda"].list_event_source_mappings()["EventSourceMappings"]
        by_arn = {f["FunctionArn"]: f for f in functions.values()}
        assert {
            (by_arn[m["FunctionArn"]]["Handler"], m["EventSourceArn"].rsplit(":", 1)[1].removeprefix(f"paygw-{STAGE}-"))
            for m in mappings
        } == sources
        assert [m.get("FunctionResponseTypes") for m in mappings] == [["ReportBatchItemFailures"]] * len(sources)

        rules = clients["events"].list_rules()["Rules"]
        targets = {t["Arn"] for r in rules for t in clients["events"].list_targets_by_rule(Rule=r["Name"])["Targets"]}
        assert {by_arn[arn]["Handler"] for arn in targets} == scheduled
        apis = clients["apigateway"].get_rest_apis()["items"]
        assert [api["name"] for api in apis] == [APP]
        resources = {
            r["path"] for r in clients["apigateway"].get_resources(restApiId=apis[0]["id"], limit=500)["items"]
        }
        assert {"/health", "/api/v1/payments"} <= resources

        deleted = run([CHALICE, "delete", "--stage", STAGE], env)
        assert deleted.returncode == 0, deleted.stdout + deleted.stderr
        assert clients["lambda"].list_functions()["Functions"] == []
        assert clients["lambda"].list_event_source_mappings()["EventSourceMappings"] == []
        assert clients["apigateway"].get_rest_apis()["items"] == []
        assert not role_names & {r["RoleName"] for r in clients["iam"].list_roles()["Roles"]}
    finally:
        server.close()
