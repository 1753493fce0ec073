"""`make localstack-deploy`: the packaged gateway deployed into LocalStack's Lambda and API Gateway.

    AWS_ENDPOINT_URL=http://127.0.0.1:4566 python -m infra.localstack_deploy [--dir out/localstack]

Takes what `python -m infra.package --stage localstack --out out/localstack` wrote (the
CloudFormation template with the tables and queues merged in, and the Lambda zip), then:
1. uploads the zip and the template to an S3 bucket in LocalStack;
2. creates or updates the CloudFormation stack `paygw-localstack` from them (LocalStack runs
   the functions in Lambda containers through the Docker socket, and serves the API through
   its API Gateway);
3. seeds the test merchant into the stage's tables (infra.provision --seed);
4. prints the API's address.

The endpoint is AWS_ENDPOINT_URL and nothing else; without it the script refuses to run, so it
can never deploy to AWS by accident. Credentials default to LocalStack's test/test.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = "localstack"
STACK_NAME = f"paygw-{STAGE}"
BUCKET = f"paygw-{STAGE}-deployments"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]


def with_code_in_s3(sam: dict, bucket: str, key: str) -> dict:
    """What `aws cloudformation package` does: every function's local CodeUri becomes S3's."""
    sam = copy.deepcopy(sam)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and isinstance(resource["Properties"].get("CodeUri"), str):
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": key}
    return sam


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def deploy(directory: Path, session_secret: str) -> dict[str, str]:
    import boto3
    from botocore.exceptions import ClientError

    region = os.environ["AWS_DEFAULT_REGION"]
    s3 = boto3.client("s3")
    cloudformation = boto3.client("cloudformation")
    try:
        if region == "us-east-1":
            s3.create_bucket(Bucket=BUCKET)
        else:
            s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    code = (directory / "deployment.zip").read_bytes()
    code_key = f"deployment-{_digest(code)}.zip"
    s3.put_object(Bucket=BUCKET, Key=code_key, Body=code)
    sam = with_code_in_s3(json.loads((directory / "sam.json").read_text()), BUCKET, code_key)
    body = json.dumps(sam).encode()
    template_key = f"template-{_digest(body)}.json"
    s3.put_object(Bucket=BUCKET, Key=template_key, Body=body)
    arguments = {
        "StackName": STACK_NAME,
        "Capabilities": CAPABILITIES,
        "TemplateURL": f"https://{BUCKET}.s3.amazonaws.com/{template_key}",
        "Parameters": [{"ParameterKey": "SessionSecret", "ParameterValue": session_secret}],
    }
    try:
        cloudformation.describe_stacks(StackName=STACK_NAME)
        exists = True
    except ClientError:
        exists = False
    waiter = "stack_create_complete"
    try:
        if exists:
            cloudformation.update_stack(**arguments)
            waiter = "stack_update_complete"
        else:
            cloudformation.create_stack(**arguments)
    except ClientError as error:
        if "No updates are to be performed" not in str(error):
            raise
        waiter = ""
    if waiter:
        print(f"localstack-deploy: waiting for stack {STACK_NAME} ({waiter.replace('_', ' ')})", flush=True)
        cloudformation.get_waiter(waiter).wait(StackName=STACK_NAME, WaiterConfig={"Delay": 2, "MaxAttempts": 300})
    stack = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--dir",
        type=Path,
        default=ROOT / "out" / STAGE,
        help="the output of `python -m infra.package --stage localstack`",
    )
    args = parser.parse_args()
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if not endpoint:
        print(
            "localstack-deploy: set AWS_ENDPOINT_URL to LocalStack's endpoint "
            "(docker compose -f docker-compose.localstack.yml publishes it on port 4566); "
            "without it this would deploy to AWS",
            file=sys.stderr,
        )
        return 2
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION") or "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    if not (args.dir / "sam.json").is_file():
        print(
            f"localstack-deploy: no package in {args.dir}; run "
            f"`python -m infra.package --stage {STAGE} --out {args.dir}` first",
            file=sys.stderr,
        )
        return 2
    outputs = deploy(args.dir, os.environ.get("SESSION_SECRET") or secrets.token_hex(32))
    env = {**os.environ, "STAGE": STAGE}
    env.pop("QUEUE_VISIBILITY_TIMEOUT", None)
    subprocess.run([sys.executable, "-m", "infra.provision", "--seed"], cwd=ROOT, env=env, check=True)
    api_id = outputs.get("RestAPIId", "")
    print(
        f"localstack-deploy: stack {STACK_NAME} is up; the API is at "
        f"{endpoint}/_aws/execute-api/{api_id}/api (CloudFormation's EndpointURL output: "
        f"{outputs.get('EndpointURL', '?')})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
