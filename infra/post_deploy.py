"""After `chalice deploy --stage <stage>`: what Chalice itself cannot configure.

    python -m infra.post_deploy --stage prod

- Turns on ReportBatchItemFailures for every SQS event source mapping of the stage's functions.
  The functions answer {"batchItemFailures": [...]}; without the setting Lambda ignores that
  answer and deletes every record of a batch that returned, failed ones included. (The packaged
  template of `make package` sets it itself; this is for the `chalice deploy` path.)
- If SESSION_SECRET is set in this shell, puts it in the API function's environment, which
  `chalice deploy` rewrites from .chalice/config.json (where no secret belongs) on every deploy;
  if it is set neither here nor there, says that the API refuses every request until it is.
- Applies the stage's missing schema migrations (infra/migrations), the same runner the local
  provisioner calls; exits with 2 and a message, changing nothing, when the stage's data is at a
  newer schema version than this code knows.

Run it after every `chalice deploy`: both settings are reset by it. The endpoint and the
credentials are boto3's own (AWS_ENDPOINT_URL for LocalStack; AWS itself otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import boto3

from chalicelib.config import ConfigError, flag_value, settings

ROOT = Path(__file__).resolve().parents[1]
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


def app_name() -> str:
    return json.loads((ROOT / ".chalice" / "config.json").read_text())["app_name"]


def _name_from_arn(arn: str) -> str:
    # arn:aws:lambda:region:account:function:name[:qualifier], arn:aws:sqs:region:account:name
    parts = arn.split(":")
    return parts[6] if parts[2] == "lambda" else parts[5]


def stage_sqs_mappings(lambda_client, app: str, stage: str) -> list[dict]:
    """The SQS mappings of this stage's functions (<app>-<stage>-<name>, Chalice's names) on
    this stage's queues (paygw-<stage>-...)."""
    queue_prefix = replace(settings(), stage=stage).resource_prefix + "-"
    found = []
    for page in lambda_client.get_paginator("list_event_source_mappings").paginate():
        for mapping in page["EventSourceMappings"]:
            source = mapping.get("EventSourceArn", "")
            if (
                source.startswith("arn:")
                and source.split(":")[2] == "sqs"
                and _name_from_arn(source).startswith(queue_prefix)
                and _name_from_arn(mapping["FunctionArn"]).startswith(f"{app}-{stage}-")
            ):
                found.append(mapping)
    return found


def report_batch_item_failures(lambda_client, app: str, stage: str) -> list[str]:
    changed = []
    for mapping in stage_sqs_mappings(lambda_client, app, stage):
        if REPORT_BATCH_ITEM_FAILURES not in (mapping.get("FunctionResponseTypes") or []):
            lambda_client.update_event_source_mapping(
                UUID=mapping["UUID"], FunctionResponseTypes=[REPORT_BATCH_ITEM_FAILURES]
            )
            changed.append(mapping["UUID"])
    return changed


def set_session_secret(lambda_client, app: str, stage: str, secret: str) -> str:
    function = f"{app}-{stage}"  # Chalice's name for the API handler
    lambda_client.get_waiter("function_updated").wait(FunctionName=function)
    variables = (
        lambda_client.get_function_configuration(FunctionName=function).get("Environment", {}).get("Variables", {})
    )
    if variables.get("SESSION_SECRET") != secret:
        lambda_client.update_function_configuration(
            FunctionName=function, Environment={"Variables": {**variables, "SESSION_SECRET": secret}}
        )
    return function


def api_has_session_secret(lambda_client, app: str, stage: str) -> bool:
    """Whether the API function already has a session secret, or a stage's explicit opt-in to the
    development one (chalicelib/config.py's session_secret says when the API refuses to serve)."""
    variables = (
        lambda_client.get_function_configuration(FunctionName=f"{app}-{stage}")
        .get("Environment", {})
        .get("Variables", {})
    )
    if variables.get("SESSION_SECRET"):
        return True
    try:
        return flag_value("ALLOW_DEV_SESSION_SECRET", variables.get("ALLOW_DEV_SESSION_SECRET"), False)
    except ConfigError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True)
    args = parser.parse_args()
    app = app_name()
    lambda_client = boto3.client("lambda")
    mappings = stage_sqs_mappings(lambda_client, app, args.stage)
    if not mappings:
        print(
            f"post_deploy: no SQS event source mapping for {app}-{args.stage}-*: "
            f"run `chalice deploy --stage {args.stage}` first",
            file=sys.stderr,
        )
        return 1
    changed = report_batch_item_failures(lambda_client, app, args.stage)
    print(f"post_deploy: ReportBatchItemFailures on {len(mappings)} SQS event sources ({len(changed)} changed)")
    secret = os.environ.get("SESSION_SECRET")
    if secret:
        print(f"post_deploy: SESSION_SECRET set on {set_session_secret(lambda_client, app, args.stage, secret)}")
    elif not api_has_session_secret(lambda_client, app, args.stage):
        # Whatever the stage is called: without it the API answers every request with a 500.
        print(
            f"post_deploy: SESSION_SECRET is set neither here nor on {app}-{args.stage}, so the API refuses every "
            "request until it is: run again with SESSION_SECRET set (e.g. `openssl rand -hex 32`)",
            file=sys.stderr,
        )
    return migrate_stage(args.stage)


def migrate_stage(stage: str) -> int:
    # The models bind their table names from STAGE when first imported: set it before they are.
    os.environ["STAGE"] = stage
    settings.cache_clear()
    from .migrations.runner import NEWER_SCHEMA_EXIT, NewerSchema, migrate

    try:
        done = migrate(say=lambda line: print(f"post_deploy: {line}"))
    except NewerSchema as error:
        print(f"post_deploy: {error}", file=sys.stderr)
        return NEWER_SCHEMA_EXIT
    print(f"post_deploy: schema version {done.to_version} ({len(done.applied)} migration(s) applied)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
