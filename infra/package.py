"""`make package`: the deployable CloudFormation template and Lambda package of a stage.

    python -m infra.package [--stage prod] [--out out]

1. Writes the stage's tables, queues and secrets key (infra/template.py) to <out>/infrastructure.json.
2. Runs `chalice package --stage <stage> --merge-template <out>/infrastructure.json <out>`:
   Chalice loads app.py with the stage's environment from .chalice/config.json (so the queue
   names and event-source settings are the stage's), vendors requirements.txt only (never
   requirements-local.txt or requirements-dev.txt) and writes <out>/sam.json and
   <out>/deployment.zip.
3. Finishes the template (finish_template):
   - every SQS event source gets FunctionResponseTypes: [ReportBatchItemFailures], which the
     functions' {"batchItemFailures": [...]} answers rely on and Chalice cannot express;
   - every SQS event source refers to its queue resource in the same stack (Fn::GetAtt), so
     CloudFormation creates the queue before the mapping;
   - the IAM policies' region and account wildcards (.chalice/policy-<stage>.json, which
     `chalice deploy` reads as is) become the stack's own region and account, and the secrets
     key, there any key behind the stage's alias, becomes the stack's own key;
   - the API function's SESSION_SECRET comes from the NoEcho parameter SessionSecret;
   - the REST API answers unknown routes with the API's 404, never a credential, and is throttled
     per stage (infra/api_gateway.py).
4. Slims the Lambda package (slim_package): the Lambda Python runtime already provides
   boto3 and botocore with their dependencies, which PynamoDB pulls in (botocore alone is 16 of
   21 MB); the code is compiled to bytecode, since Lambda's read-only /var/task would make every
   cold start compile it again.

Deploy the result with `aws cloudformation package` + `aws cloudformation deploy` (docs/deploy.md)
or, against LocalStack, `python -m infra.localstack_deploy`.
"""

from __future__ import annotations

import argparse
import compileall
import copy
import csv
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import alarms, api_gateway, queue_rules
from .resources import PRODUCTION_STAGES
from .template import SECRETS_KEY_ID, template

ROOT = Path(__file__).resolve().parents[1]
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"
SESSION_SECRET_PARAMETER = "SessionSecret"
API_HANDLER = "app.app"

# What the Lambda Python runtime provides: boto3, botocore and their dependencies. PynamoDB
# requires botocore, so Chalice vendors it; the runtime's copy is used instead, as it already is
# for boto3 (which nothing in requirements.txt pulls in). urllib3 is not among them: the webhook
# delivery code needs 2.x with the 2025 fixes (>= 2.5: bounded decompression, redirects off in
# pools), and the runtime's copy is whatever AWS last shipped (1.26 on some runtimes). The
# package's copy comes first on Lambda's path, so the runtime's botocore uses it too (botocore
# supports urllib3 2.x on Python >= 3.10).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "python-dateutil", "six")
# Compiled for the runtime's Python (Chalice targets the Python it runs on); checked by hash,
# never by timestamp, because zip timestamps are not the files' own.
PYC_MODE = py_compile.PycInvalidationMode.UNCHECKED_HASH


def chalice_executable() -> str:
    found = shutil.which("chalice", path=str(Path(sys.executable).parent)) or shutil.which("chalice")
    if not found:
        raise SystemExit("chalice is not installed: run `make install`")
    return found


def run_chalice_package(stage: str, out: Path, merge_template: Path) -> None:
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "us-east-1"))
    subprocess.run(
        [chalice_executable(), "package", "--stage", stage, "--merge-template", str(merge_template), str(out)],
        cwd=ROOT,
        env=env,
        check=True,
    )


# ---- the template ----------------------------------------------------------------------------


def sqs_event_sources(sam: dict) -> list[tuple[str, dict]]:
    """(function resource, properties) of every SQS event source: SAM events and plain mappings."""
    found = []
    for name, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            for event in (resource["Properties"].get("Events") or {}).values():
                if event["Type"] == "SQS":
                    found.append((name, event["Properties"]))
        elif resource["Type"] == "AWS::Lambda::EventSourceMapping":
            arn = json.dumps(resource["Properties"].get("EventSourceArn", ""))
            if ":sqs:" in arn or "Queue" in arn:
                found.append((name, resource["Properties"]))
    return found


def _queue_reference(queue: object, queue_ids_by_name: dict[str, str]) -> object:
    """Chalice names a queue by ARN (Fn::Sub ...:<name>); the merged stack has it as a resource."""
    if isinstance(queue, dict) and isinstance(queue.get("Fn::Sub"), str):
        name = queue["Fn::Sub"].rsplit(":", 1)[-1]
        if name in queue_ids_by_name:
            return {"Fn::GetAtt": [queue_ids_by_name[name], "Arn"]}
    return queue


def _pinned_arn(value: object) -> object:
    if isinstance(value, str) and value.startswith("arn:aws:"):
        service, region, account, rest = value[len("arn:aws:") :].split(":", 3)
        if region == "*" and account == "*":
            return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{rest}"}
    return value


def finish_template(sam: dict, infrastructure: dict) -> dict:
    sam = copy.deepcopy(sam)
    queue_ids_by_name = {
        resource["Properties"]["QueueName"]: name
        for name, resource in infrastructure["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue"
    }
    sources = sqs_event_sources(sam)
    if not sources:
        raise SystemExit("the packaged template has no SQS event source: is app.py's import broken?")
    for _function, properties in sources:
        properties["FunctionResponseTypes"] = [REPORT_BATCH_ITEM_FAILURES]
        if "Queue" in properties:
            properties["Queue"] = _queue_reference(properties["Queue"], queue_ids_by_name)
        elif "EventSourceArn" in properties:
            properties["EventSourceArn"] = _queue_reference(properties["EventSourceArn"], queue_ids_by_name)
    for resource in sam["Resources"].values():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement.get("Sid") == "SecretsKey" and SECRETS_KEY_ID in infrastructure["Resources"]:
                    # The key is in this stack: name it rather than any key behind the alias.
                    statement["Resource"] = [{"Fn::GetAtt": [SECRETS_KEY_ID, "Arn"]}]
                    statement.pop("Condition", None)
                    continue
                resources = statement.get("Resource")
                statement["Resource"] = (
                    [_pinned_arn(r) for r in resources] if isinstance(resources, list) else _pinned_arn(resources)
                )
    sam.setdefault("Parameters", {})[SESSION_SECRET_PARAMETER] = {
        "Type": "String",
        "NoEcho": True,
        "MinLength": 32,
        "Description": "Signs dashboard sessions (SESSION_SECRET); e.g. `openssl rand -hex 32`",
    }
    for resource in sam["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and properties.get("Handler") == API_HANDLER:
            variables = properties.setdefault("Environment", {}).setdefault("Variables", {})
            variables["SESSION_SECRET"] = {"Ref": SESSION_SECRET_PARAMETER}
    return sam


def set_webhook_function_timeout(sam: dict, stage: str) -> None:
    """The webhook function's timeout is derived from the stage's attempt deadline
    (queue_rules.webhook_function_timeout), as its queue's visibility is: the template carries the
    derived value, whatever .chalice/config.json says (tests/deploy holds the two equal)."""
    handler = f"app.{queue_rules.WEBHOOK_FUNCTION}"
    found = [
        resource["Properties"]
        for resource in sam["Resources"].values()
        if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"].get("Handler") == handler
    ]
    if len(found) != 1:
        raise SystemExit(f"the packaged template has {len(found)} functions with handler {handler}")
    found[0]["Timeout"] = queue_rules.webhook_function_timeout(stage)


# ---- the Lambda package ----------------------------------------------------------------------


def _distribution_name(dist_info: Path) -> str:
    for line in (dist_info / "METADATA").read_text(errors="replace").splitlines():
        if line.startswith("Name:"):
            return line.split(":", 1)[1].strip().lower().replace("_", "-")
    return ""


def _remove_distribution(tree: Path, dist_info: Path) -> int:
    """Delete every file the distribution's RECORD lists, then its empty folders."""
    removed = 0
    folders: set[Path] = set()
    for row in csv.reader((dist_info / "RECORD").read_text().splitlines()):
        path = (tree / row[0]).resolve() if row else tree
        if path.is_relative_to(tree) and path.is_file():
            removed += path.stat().st_size
            path.unlink()
            folders.update(p for p in path.parents if p != tree and p.is_relative_to(tree))
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        shutil.rmtree(folder / "__pycache__", ignore_errors=True)
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    shutil.rmtree(dist_info, ignore_errors=True)
    return removed


def slim_package(zip_path: Path) -> dict[str, int]:
    """Rewrite the Lambda zip without the runtime's own packages, with compiled bytecode."""
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch).resolve() / "package"
        with zipfile.ZipFile(zip_path) as archive:
            modes = {info.filename: info.external_attr for info in archive.infolist()}
            archive.extractall(tree)
        removed = 0
        for dist_info in sorted(tree.glob("*.dist-info")):
            if _distribution_name(dist_info) in RUNTIME_PROVIDED:
                removed += _remove_distribution(tree, dist_info)
        if not compileall.compile_dir(tree, quiet=1, invalidation_mode=PYC_MODE, workers=1):
            raise SystemExit("could not compile the Lambda package")
        slim = zip_path.with_suffix(".tmp")
        with zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for path in sorted(p for p in tree.rglob("*") if p.is_file()):
                name = path.relative_to(tree).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = modes.get(name, 0o644 << 16)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes(), compresslevel=9)
        slim.replace(zip_path)
    return {"removed_bytes": removed, "zip_bytes": zip_path.stat().st_size}


def package(stage: str, out: Path, retain: bool) -> dict:
    # Tests shorten visibility timeouts with this; a deployed stage must never inherit it.
    os.environ.pop("QUEUE_VISIBILITY_TIMEOUT", None)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("sam.json", "deployment.zip"):
        (out / stale).unlink(missing_ok=True)
    infrastructure = template(stage, retain=retain)
    infrastructure_path = out / "infrastructure.json"
    infrastructure_path.write_text(json.dumps(infrastructure, indent=2) + "\n")
    run_chalice_package(stage, out, infrastructure_path)
    sam_path = out / "sam.json"
    sam = finish_template(json.loads(sam_path.read_text()), infrastructure)
    sam = api_gateway.finish(sam, stage)  # gateway responses, any-method routes, stage throttling
    alarms.reference_functions(sam, stage)  # CloudFormation names the packaged functions
    set_webhook_function_timeout(sam, stage)
    sam_path.write_text(json.dumps(sam, indent=2) + "\n")
    sizes = slim_package(out / "deployment.zip")
    return {
        "stage": stage,
        "template": str(sam_path),
        "package": str(out / "deployment.zip"),
        "event_sources": [name for name, _ in sqs_event_sources(sam)],
        **sizes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    parser.add_argument(
        "--retain",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep tables and queues when the stack goes (default: production stages, resources.PRODUCTION_STAGES)",
    )
    args = parser.parse_args()
    result = package(args.stage, args.out, args.stage in PRODUCTION_STAGES if args.retain is None else args.retain)
    print(
        f"package: {result['template']} and {result['package']} "
        f"({result['zip_bytes'] / 1e6:.2f} MB zipped; {result['removed_bytes'] / 1e6:.1f} MB of "
        f"runtime-provided packages left out); ReportBatchItemFailures on "
        f"{', '.join(result['event_sources'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
