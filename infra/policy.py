"""The least-privilege IAM policy of each Chalice stage, generated from infra/resources.py.

    python -m infra.policy            write .chalice/policy-<stage>.json for every stage
    python -m infra.policy --check    fail if a checked-in policy differs from what this generates

The actions are exactly those the code calls; the resources are exactly that stage's tables (but
the schema table, which only the migrations use),
their indexes, its job queues (never another stage's, never the dead-letter queues, which only
SQS itself writes to) and its secrets key. Region and account are wildcards in the file, because `chalice
deploy` reads it as is; the packaged CloudFormation template pins both to the stack's own
(infra/package.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .resources import QUEUES, for_stage, function_tables
from .template import secrets_key_alias

ROOT = Path(__file__).resolve().parents[1]
CHALICE_DIR = ROOT / ".chalice"

# PynamoDB's get/save/update/delete, its transactions (IAM has no TransactWriteItems action: each
# item of a transaction needs the action it performs), and powertools' idempotency records.
ITEM_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
# Every query and count the code runs goes through a global secondary index.
INDEX_ACTIONS = ("dynamodb:Query",)
# The health check describes one table (chalicelib/services/health.py).
HEALTH_TABLE = "merchants"
HEALTH_ACTIONS = ("dynamodb:DescribeTable",)
# chalicelib/queues.py sends (one and in batches: IAM authorizes SendMessageBatch as SendMessage),
# changes visibility and reads depths; Lambda's event source mapping receives, deletes and reads
# the queue's attributes with the function's role.
QUEUE_ACTIONS = (
    "sqs:SendMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
)
# chalicelib/vault.py seals and unseals merchants' secrets with the stage's key, named by alias.
KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt")
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def chalice_config() -> dict:
    return json.loads((CHALICE_DIR / "config.json").read_text())


def policy_path(stage: str) -> Path:
    return CHALICE_DIR / f"policy-{stage}.json"


def document(stage: str, app_name: str) -> dict:
    used = function_tables()
    table_names = [for_stage(table.name, stage) for table in used]
    indexed = [for_stage(table.name, stage) for table in used if table.global_secondary_indexes]
    health_table = for_stage(next(t.name for t in used if t.name.endswith("-" + HEALTH_TABLE)), stage)
    # Chalice names the API's function <app>-<stage> and every other one <app>-<stage>-<name>.
    log_groups = [
        f"arn:aws:logs:*:*:log-group:/aws/lambda/{app_name}-{stage}",
        f"arn:aws:logs:*:*:log-group:/aws/lambda/{app_name}-{stage}-*",
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": list(LOG_ACTIONS),
                "Resource": log_groups + [group + ":log-stream:*" for group in log_groups],
            },
            {
                "Sid": "TableItems",
                "Effect": "Allow",
                "Action": list(ITEM_ACTIONS),
                "Resource": [f"arn:aws:dynamodb:*:*:table/{name}" for name in table_names],
            },
            {
                "Sid": "IndexQueries",
                "Effect": "Allow",
                "Action": list(INDEX_ACTIONS),
                "Resource": [f"arn:aws:dynamodb:*:*:table/{name}/index/*" for name in indexed],
            },
            {
                "Sid": "HealthCheck",
                "Effect": "Allow",
                "Action": list(HEALTH_ACTIONS),
                "Resource": [f"arn:aws:dynamodb:*:*:table/{health_table}"],
            },
            {
                "Sid": "JobQueues",
                "Effect": "Allow",
                "Action": list(QUEUE_ACTIONS),
                "Resource": [f"arn:aws:sqs:*:*:{for_stage(spec.name, stage)}" for spec in QUEUES],
            },
            # The key's id is only known once it exists, so the stage's key is the one behind its
            # alias (the packaged template names the key itself instead).
            {
                "Sid": "SecretsKey",
                "Effect": "Allow",
                "Action": list(KEY_ACTIONS),
                "Resource": ["arn:aws:kms:*:*:key/*"],
                "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": secrets_key_alias(stage)}},
            },
        ],
    }


def rendered(stage: str, app_name: str) -> str:
    return json.dumps(document(stage, app_name), indent=2) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args()
    config = chalice_config()
    stale = []
    for stage, stage_config in config["stages"].items():
        path = CHALICE_DIR / stage_config["iam_policy_file"]
        if path != policy_path(stage):
            raise SystemExit(f"stage {stage}: iam_policy_file must be {policy_path(stage).name}")
        text = rendered(stage, config["app_name"])
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run `python -m infra.policy`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
