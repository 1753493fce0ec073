"""infra/migrations: an older recorded version is migrated, a newer one stops everything with exit
2, and a step that dies part way is run again safely. Real processes (the provisioner) on the
session's DynamoDB Local and moto server, each test on a stage of its own."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from infra.migrations.runner import BadStep, discover
from tests.support.dynamodb_client import dynamodb_client
from tests.support.stack import ROOT, base_env

STEPS = "tests.support.migration_steps"


@pytest.fixture
def stage_env(emulator):
    return {**base_env(), **emulator.endpoints, "STAGE": "m" + uuid.uuid4().hex[:8]}


def provision(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.provision"],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=120,
    )


def recorded(emulator, stage: str) -> int:
    item = dynamodb_client(emulator.dynamodb_url).get_item(
        TableName=f"paygw-{stage}-schema", Key={"id": {"S": "version"}}
    )
    return int(item["Item"]["version"]["N"]) if "Item" in item else 0


def add_orders(emulator, stage: str, count: int) -> None:
    for number in range(count):
        dynamodb_client(emulator.dynamodb_url).put_item(
            TableName=f"paygw-{stage}-orders",
            Item={
                "id": {"S": f"order_m{number:04d}"},
                "merchant_id": {"S": "m"},
                "amount": {"N": "100"},
                "currency": {"S": "INR"},
                "status": {"S": "created"},
                "created_at": {"S": f"2026-01-01T00:00:{number % 60:02d}.000Z"},
            },
        )


def orders(emulator, stage: str) -> list[dict]:
    pages = (
        dynamodb_client(emulator.dynamodb_url)
        .get_paginator("scan")
        .paginate(TableName=f"paygw-{stage}-orders", ConsistentRead=True)
    )
    return [item for page in pages for item in page["Items"]]


def set_version(emulator, stage: str, version: int) -> None:
    """What a state written by an older (or newer) release records."""
    dynamodb_client(emulator.dynamodb_url).put_item(
        TableName=f"paygw-{stage}-schema", Item={"id": {"S": "version"}, "version": {"N": str(version)}}
    )


def test_a_new_stage_records_the_newest_version(emulator, stage_env):
    newest = discover("infra.migrations")[-1].version
    done = provision(stage_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schema_version"] == newest
    assert recorded(emulator, stage_env["STAGE"]) == newest
    again = provision(stage_env)
    assert json.loads(again.stdout)["migrations_applied"] == []


def test_an_older_state_is_migrated_at_start(emulator, stage_env):
    stage = stage_env["STAGE"]
    assert provision(stage_env).returncode == 0
    set_version(emulator, stage, 1)  # the release before the test's backfill step
    add_orders(emulator, stage, 30)
    done = provision(stage_env, MIGRATIONS_PACKAGE=STEPS)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["migrations_applied"] == [2]
    assert "migration 2: test backfill" in done.stderr
    assert recorded(emulator, stage) == 2
    marked = orders(emulator, stage)
    assert len(marked) == 30 and all(item["backfill_writes"] == {"N": "1"} for item in marked)


def test_a_state_with_no_version_at_all_is_migrated_from_the_start(emulator, stage_env):
    """Data from before migrations existed (no schema row): every step runs."""
    stage = stage_env["STAGE"]
    assert provision(stage_env).returncode == 0
    add_orders(emulator, stage, 3)
    dynamodb_client(emulator.dynamodb_url).delete_item(TableName=f"paygw-{stage}-schema", Key={"id": {"S": "version"}})
    done = provision(stage_env, MIGRATIONS_PACKAGE=STEPS)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["migrations_applied"] == [1, 2]
    assert recorded(emulator, stage) == 2


def test_a_step_that_dies_part_way_is_run_again_safely(emulator, stage_env):
    stage = stage_env["STAGE"]
    assert provision(stage_env).returncode == 0
    set_version(emulator, stage, 1)
    add_orders(emulator, stage, 30)
    crashed = provision(stage_env, MIGRATIONS_PACKAGE=STEPS, MIGRATION_TEST_CRASH_AFTER="12")
    assert crashed.returncode == 9
    assert recorded(emulator, stage) == 1  # the step did not finish: its version is not recorded
    assert sum("backfilled" in item for item in orders(emulator, stage)) == 12
    done = provision(stage_env, MIGRATIONS_PACKAGE=STEPS)
    assert done.returncode == 0, done.stderr
    assert recorded(emulator, stage) == 2
    marked = orders(emulator, stage)
    assert len(marked) == 30 and all(item["backfill_writes"] == {"N": "1"} for item in marked)


def test_a_newer_state_stops_with_exit_2_and_changes_nothing(emulator, stage_env):
    stage = stage_env["STAGE"]
    assert provision(stage_env).returncode == 0
    add_orders(emulator, stage, 3)
    dynamodb_client(emulator.dynamodb_url).put_item(
        TableName=f"paygw-{stage}-schema", Item={"id": {"S": "version"}, "version": {"N": "7"}}
    )
    done = provision(stage_env, MIGRATIONS_PACKAGE=STEPS)
    assert done.returncode == 2
    assert "schema version 7, newer than this code's 2" in done.stderr
    assert "Traceback" not in done.stderr
    assert recorded(emulator, stage) == 7
    assert not any("backfilled" in item for item in orders(emulator, stage))


def test_the_real_steps_keep_the_contract():
    steps = discover("infra.migrations")
    assert [step.version for step in steps] == list(range(1, len(steps) + 1))
    assert all(step.description for step in steps)


def test_a_step_whose_version_differs_from_its_file_name_is_refused(tmp_path, monkeypatch):
    package = tmp_path / "badsteps"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "m0003_wrong.py").write_text("VERSION = 4\nDESCRIPTION = 'x'\ndef apply():\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(BadStep, match="VERSION = 4"):
        discover("badsteps")
