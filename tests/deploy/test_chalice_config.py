"""The Chalice stages of .chalice/config.json: their environments, their least-privilege policies,
and how their event-source settings reach the SQS handlers' decorators."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from chalicelib import config as config_module
from chalicelib import vault
from chalicelib.jobs import sources
from infra import policy, queue_rules
from infra.local.stack import stack_environment
from infra.resources import QUEUES, for_stage, function_tables, tables
from infra.template import secrets_key_alias
from tests.support.stack import ROOT, base_env

STAGES = ("local", "localstack", "prod")
CHALICE = json.loads((ROOT / ".chalice" / "config.json").read_text())
# Set per deployment or per test run, never in a committed stage: a secret, and fault injection.
NOT_IN_STAGES = {"SESSION_SECRET", "FAULT_INJECT", "STAGE", "AWS_REGION", "AWS_DEFAULT_REGION"}
SETTING_NAMES = ("BATCH_SIZE", "BATCHING_WINDOW", "MAX_CONCURRENCY")

# What `chalice package`/`chalice deploy` see: the app loaded by Chalice with the stage's environment.
CHALICE_LOADS_APP = """
import json, os, sys
from chalice.cli.factory import CLIFactory
app = CLIFactory(sys.argv[1], environ=os.environ).create_config_obj(chalice_stage_name=sys.argv[2]).chalice_app
print(json.dumps({s.name: [s.queue, s.batch_size, s.maximum_batching_window_in_seconds, s.maximum_concurrency]
                  for s in app.event_sources if type(s).__name__ == "SQSEventConfig"}))
"""
# What `make run`'s event-source emulation sees: the app in an environment built by the stack.
STACK_LOADS_APP = """
import importlib, json
from infra.local.event_sources import sources_of
print(json.dumps({s.name: [s.queue, s.batch_size, s.batching_window_seconds, s.maximum_concurrency]
                  for s in sources_of(importlib.import_module("app"))}))
"""


def variables_config_py_reads() -> set[str]:
    source = (ROOT / "chalicelib" / "config.py").read_text()
    return set(re.findall(r'(?:_flag|_int|_float|_list|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"', source))


def stage_environment(stage: str) -> dict[str, str]:
    return CHALICE["stages"][stage]["environment_variables"]


def clean_env() -> dict[str, str]:
    env = base_env()
    for name in list(env):
        if name.startswith("SQS_") or name in variables_config_py_reads() | {"STAGE", "QUEUE_VISIBILITY_TIMEOUT"}:
            del env[name]
    return env


def load_sources(script: str, env: dict[str, str], *args: str, cwd=ROOT) -> dict[str, list]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def expected_sources(stage: str, env: dict[str, str]) -> dict[str, list]:
    """From the stage's SQS_<KEY>_* variables: {function: [queue, batch, window, concurrency]}."""
    functions = {"PAYMENTS": "process_payments", "REFUNDS": "process_refunds", "WEBHOOKS": "deliver_webhooks"}
    expected = {}
    for key, (logical, *_defaults) in sources.DEFAULTS.items():
        queue = for_stage(next(spec.name for spec in QUEUES if spec.logical == logical), stage)
        expected[functions[key]] = [queue] + [int(env[f"SQS_{key}_{setting}"]) for setting in SETTING_NAMES]
    return expected


def test_the_stages_are_local_localstack_and_prod():
    assert sorted(CHALICE["stages"]) == sorted(STAGES)
    assert CHALICE["app_name"] == "payment-gateway"


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_sets_its_whole_environment(stage):
    env = stage_environment(stage)
    assert env["STAGE"] == stage
    wanted = variables_config_py_reads() - NOT_IN_STAGES
    assert len(wanted) > 10, "config.py's variables were not found"
    assert wanted <= set(env), f"add {sorted(wanted - set(env))} to stage {stage} in .chalice/config.json"
    for key in sources.DEFAULTS:
        assert {f"SQS_{key}_{setting}" for setting in SETTING_NAMES} <= set(env)
    assert all(isinstance(value, str) for value in env.values())
    assert not NOT_IN_STAGES - {"STAGE"} & set(env), "no secret and no fault injection in a committed stage"


def test_prod_refuses_what_only_local_stages_allow():
    env = stage_environment("prod")
    assert "127.0.0.1" not in env["CORS_ORIGINS"] and "localhost" not in env["CORS_ORIGINS"]


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_safe_whatever_its_name(stage):
    """Only `make run` and the test stacks turn these on (chalicelib/config.py's UNSAFE_OPT_INS)."""
    env = stage_environment(stage)
    assert env["TEST_ENDPOINTS"] == "false"
    assert env["WEBHOOK_BLOCK_PRIVATE_URLS"] == "true"
    assert env["ALLOW_DEV_SESSION_SECRET"] == "false"
    assert env["WEBHOOK_ALLOW_HTTP"] == "false"
    assert env["CHAOS_ENABLED"] == "false"
    assert set(config_module.UNSAFE_OPT_INS) <= set(env), "each stage says it, rather than relying on the default"


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_sets_its_api_throttle(stage):
    env = stage_environment(stage)
    assert float(env["API_THROTTLE_RATE_LIMIT"]) > 0 and int(env["API_THROTTLE_BURST_LIMIT"]) >= 1


def test_the_local_stage_changes_nothing_make_run_had(monkeypatch):
    """`make run` applies the local stage's environment: it must equal the code's own defaults."""
    for name in variables_config_py_reads() | {"STAGE"}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE", "local")
    defaults = config_module.settings.__wrapped__()
    for name, value in stage_environment("local").items():
        monkeypatch.setenv(name, value)
    assert config_module.settings.__wrapped__() == defaults
    for key, (_logical, batch, window, concurrency) in sources.DEFAULTS.items():
        assert sources.event_source(key)["batch_size"] == batch
        assert sources.event_source(key)["maximum_batching_window_in_seconds"] == window
        assert sources.event_source(key)["maximum_concurrency"] == concurrency


@pytest.mark.parametrize("stage", STAGES)
def test_chalice_loads_each_stages_event_source_settings_into_the_decorators(stage):
    loaded = load_sources(CHALICE_LOADS_APP, clean_env(), str(ROOT), stage)
    assert loaded == expected_sources(stage, stage_environment(stage))


def test_the_stages_differ_where_they_should():
    """Not a copy of one stage three times: prod scales further than the local stages."""
    local, prod = stage_environment("local"), stage_environment("prod")
    assert int(prod["SQS_PAYMENTS_MAX_CONCURRENCY"]) > int(local["SQS_PAYMENTS_MAX_CONCURRENCY"])


@pytest.mark.parametrize("stage", ["local", "prod"])
def test_make_runs_event_source_emulation_reads_the_stage_from_the_app(stage):
    env = stack_environment({**clean_env(), "STAGE": stage})
    loaded = load_sources(STACK_LOADS_APP, env)
    assert loaded == expected_sources(stage, stage_environment(stage))


def test_variables_already_set_win_over_the_stages():
    env = stack_environment({"STAGE": "prod", "SQS_PAYMENTS_BATCH_SIZE": "3"})
    assert env["SQS_PAYMENTS_BATCH_SIZE"] == "3"
    assert env["SQS_REFUNDS_MAX_CONCURRENCY"] == stage_environment("prod")["SQS_REFUNDS_MAX_CONCURRENCY"]
    assert not any(name.startswith("SQS_") for name in stack_environment({"STAGE": "t0123abcd"}))


def test_the_app_imports_without_chalice_config_and_takes_the_defaults(tmp_path):
    """Lambda ships no .chalice/: nothing at import may need it."""
    env = {**clean_env(), "PYTHONPATH": str(ROOT), "STAGE": "prod"}
    loaded = load_sources(STACK_LOADS_APP, env, cwd=tmp_path)
    defaults = {}
    for key, (_logical, batch, window, concurrency) in sources.DEFAULTS.items():
        defaults.update(
            {
                f"SQS_{key}_BATCH_SIZE": batch,
                f"SQS_{key}_BATCHING_WINDOW": window,
                f"SQS_{key}_MAX_CONCURRENCY": concurrency,
            }
        )
    assert loaded == expected_sources("prod", defaults)


@pytest.mark.parametrize(
    ("variables", "error"),
    [
        ({"SQS_PAYMENTS_BATCH_SIZE": "11"}, "SQS_PAYMENTS_BATCH_SIZE must be from 1 to 10"),
        ({"SQS_PAYMENTS_MAX_CONCURRENCY": "1"}, "SQS_PAYMENTS_MAX_CONCURRENCY must be from 2"),
        ({"SQS_PAYMENTS_BATCHING_WINDOW": "301"}, "SQS_PAYMENTS_BATCHING_WINDOW must be from 0 to 300"),
        ({"SQS_PAYMENTS_BATCH_SIZE": "ten"}, "SQS_PAYMENTS_BATCH_SIZE must be an integer"),
    ],
)
def test_settings_outside_lambdas_limits_stop_the_import(monkeypatch, variables, error):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=error):
        sources.event_source("PAYMENTS")


def test_a_batching_window_allows_batches_above_ten(monkeypatch):
    monkeypatch.setenv("SQS_REFUNDS_BATCHING_WINDOW", "5")
    monkeypatch.setenv("SQS_REFUNDS_BATCH_SIZE", "100")
    assert sources.event_source("REFUNDS")["batch_size"] == 100


@pytest.mark.parametrize("stage", STAGES)
def test_each_queues_visibility_timeout_is_six_times_its_functions_timeout(stage):
    """Lambda refuses an SQS mapping whose queue's visibility timeout is below the function's
    timeout, and AWS advises six times it (a crashed batch must not reappear while it runs)."""
    settings = CHALICE["stages"][stage]
    visibility = {for_stage(spec.name, stage): spec.visibility_timeout for spec in QUEUES}
    for function, (queue, *_rest) in expected_sources(stage, stage_environment(stage)).items():
        timeout = (
            settings.get("lambda_functions", {}).get(function, {}).get("lambda_timeout", settings["lambda_timeout"])
        )
        assert 6 * timeout <= visibility[queue], (stage, function)


@pytest.mark.parametrize("stage", STAGES)
def test_the_webhook_functions_timeout_is_the_one_derived_from_the_attempt_deadline(stage, monkeypatch):
    """`chalice deploy` reads .chalice/config.json; infra/queue_rules.py derives the value from
    WEBHOOK_TIMEOUT_SECONDS: they agree, and a longer deadline lengthens both the function's
    timeout and its queue's visibility."""
    assert queue_rules.configured_function_timeout("deliver_webhooks", stage) == queue_rules.webhook_function_timeout(
        stage
    )
    variables = CHALICE["stages"][stage]["environment_variables"]
    longer = {**CHALICE["stages"][stage], "environment_variables": {**variables, "WEBHOOK_TIMEOUT_SECONDS": "25"}}
    monkeypatch.setattr(queue_rules, "chalice_stages", lambda: {**CHALICE["stages"], stage: longer})
    assert queue_rules.webhook_function_timeout(stage) == 25 + queue_rules.WEBHOOK_RECORD_MARGIN_SECONDS
    assert queue_rules.minimum_visibility_timeout("deliver_webhooks") >= 6 * (
        25 + queue_rules.WEBHOOK_RECORD_MARGIN_SECONDS
    )


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_has_its_own_least_privilege_policy(stage):
    stage_config = CHALICE["stages"][stage]
    assert stage_config["autogen_policy"] is False
    path = ROOT / ".chalice" / stage_config["iam_policy_file"]
    assert path == policy.policy_path(stage)
    assert path.read_text() == policy.rendered(stage, CHALICE["app_name"]), "run `python -m infra.policy`"
    document = json.loads(path.read_text())
    statements = document["Statement"]
    actions = [action for statement in statements for action in statement["Action"]]
    assert not any("*" in action for action in actions)
    assert {statement["Effect"] for statement in statements} == {"Allow"}
    by_sid = {statement["Sid"]: statement for statement in statements}
    # Any key, but only behind this stage's alias: the key's own id is not known before it exists.
    key = by_sid.pop("SecretsKey")
    assert key["Action"] == ["kms:Encrypt", "kms:Decrypt"] and key["Resource"] == ["arn:aws:kms:*:*:key/*"]
    assert key["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": secrets_key_alias(stage)}}
    assert secrets_key_alias(stage) == "alias/" + for_stage(vault.key_alias().removeprefix("alias/"), stage)
    resources = [resource for statement in by_sid.values() for resource in statement["Resource"]]
    assert "*" not in resources
    own = [for_stage(table.name, stage) for table in tables()] + [for_stage(spec.name, stage) for spec in QUEUES]
    for resource in resources:
        assert (
            any(resource.endswith((":table/" + name, ":table/" + name + "/index/*", ":" + name)) for name in own)
            or f"/aws/lambda/{CHALICE['app_name']}-{stage}" in resource
        ), resource
    assert len(by_sid["TableItems"]["Resource"]) == len(function_tables()) == len(tables()) - 1  # not `schema`
    assert all(resource.endswith("/index/*") for resource in by_sid["IndexQueries"]["Resource"])
    queues = [resource.rsplit(":", 1)[-1] for resource in by_sid["JobQueues"]["Resource"]]
    assert sorted(queues) == sorted(for_stage(spec.name, stage) for spec in QUEUES), "no dead-letter queue"


@pytest.mark.parametrize("stage", STAGES)
def test_cfn_lint_knows_every_action_and_arn_of_the_policy(stage):
    """cfn-lint skips IAM checks in SAM templates (aws/serverless-application-model#3633), so the
    packaged template's lint cannot catch a misspelt action: lint each policy on its own."""
    from cfnlint.api import ManualArgs, lint

    document = json.loads(policy.policy_path(stage).read_text())
    wrapper = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": document}}},
    }
    findings = lint(json.dumps(wrapper), config=ManualArgs(regions=["us-east-1"]))
    assert [f"{finding.rule.id} {finding.message}" for finding in findings] == []


# IAM authorizes a batch call as its single action.
BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def boto3_calls_in_chalicelib() -> set[str]:
    """IAM actions of every `client("<service>").<operation>(` the Lambda code makes directly."""
    import boto3

    found = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for service, operation in re.findall(r'client\(\s*"(\w+)"[^)]*\)\s*\.\s*(\w+)\(', path.read_text()):
            api = boto3.session.Session().client(service, region_name="us-east-1").meta.method_to_api_mapping[operation]
            found.add(f"{service}:{BATCH_ACTIONS.get(api, api)}")
    return found


def test_every_aws_call_the_code_makes_is_in_the_policy():
    """A new boto3 call in chalicelib/ without its action in infra/policy.py fails here, not in prod."""
    calls = boto3_calls_in_chalicelib()
    assert {"sqs:SendMessage", "sqs:GetQueueUrl", "dynamodb:DescribeTable"} <= calls, calls
    allowed = {
        action
        for statement in policy.document("prod", CHALICE["app_name"])["Statement"]
        for action in statement["Action"]
    }
    assert calls <= allowed, f"add {sorted(calls - allowed)} to infra/policy.py"


SCHEDULES_CHALICE_SEES = """
import json, os, sys
from chalice.cli.factory import CLIFactory
app = CLIFactory(sys.argv[1], environ=os.environ).create_config_obj(chalice_stage_name=sys.argv[2]).chalice_app
print(json.dumps({s.name: s.schedule_expression.to_string()
                  for s in app.event_sources if type(s).__name__ == "ScheduledEventConfig"}))
"""


@pytest.mark.parametrize("stage", STAGES)
def test_the_reconcilers_rate_is_the_stages(stage):
    minutes = int(stage_environment(stage)["RECONCILE_RATE_MINUTES"])
    found = load_sources(SCHEDULES_CHALICE_SEES, clean_env(), str(ROOT), stage)
    assert found == {"reconcile": f"rate({minutes} minute{'s' if minutes > 1 else ''})"}
    assert int(stage_environment(stage)["RECONCILE_GRACE_SECONDS"]) >= 60 * minutes  # a period's lag is no stranding


@pytest.mark.parametrize("stage", STAGES)
def test_the_reconcilers_time_budget_ends_before_its_timeout(stage):
    settings = CHALICE["stages"][stage]
    timeout = settings["lambda_functions"]["reconcile"]["lambda_timeout"]
    assert int(settings["environment_variables"]["RECONCILE_TIME_BUDGET_SECONDS"]) + 5 <= timeout
