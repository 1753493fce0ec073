"""The local runtime's expiry sweep (infra/local/expiry_sweep.py) deletes TTL-expired items,
without ever deleting one a writer has just renewed. The DynamoDB Local jar deletes expired items
itself, about 10 s after they expire, so each stage here has TTL turned off: only the sweep deletes."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest

from infra.local.processes import spawn, stop
from infra.resources import for_stage, tables
from tests.support.dynamodb_client import dynamodb_client
from tests.support.stack import LOGS, ROOT, base_env
from tests.support.waiting import eventually


@pytest.fixture
def stage(emulator):
    name = "x" + uuid.uuid4().hex[:8]
    env = {**base_env(), **emulator.endpoints, "STAGE": name}
    done = subprocess.run(
        [sys.executable, "-m", "infra.provision"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    db = dynamodb_client(emulator.dynamodb_url)
    for table in tables():  # the ones the sweep sweeps
        if table.ttl_attribute:
            db.update_time_to_live(
                TableName=for_stage(table.name, name),
                TimeToLiveSpecification={"Enabled": False, "AttributeName": table.ttl_attribute},
            )
    return name, env


def put_session(db, stage: str, session_id: str, expires_at: int) -> None:
    db.put_item(
        TableName=f"paygw-{stage}-sessions",
        Item={"id": {"S": session_id}, "merchant_id": {"S": "m"}, "expires_at": {"N": str(expires_at)}},
    )


def put_idempotency(db, stage: str, key: str, expiration: int) -> None:
    db.put_item(
        TableName=f"paygw-{stage}-idempotency",
        Item={"id": {"S": key}, "expiration": {"N": str(expiration)}, "status": {"S": "COMPLETED"}},
    )


def ids(db, table: str) -> set[str]:
    pages = db.get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return {item["id"]["S"] for page in pages for item in page["Items"]}


def test_the_sweep_process_deletes_expired_items_and_keeps_the_rest(emulator, stage):
    name, env = stage
    db = dynamodb_client(emulator.dynamodb_url)
    now = int(time.time())
    put_session(db, name, "expired", now - 10)
    put_session(db, name, "live", now + 3600)
    put_idempotency(db, name, "api#expired", now - 1)
    put_idempotency(db, name, "api#live", now + 3600)
    db.put_item(TableName=f"paygw-{name}-idempotency", Item={"id": {"S": "api#no-ttl"}})  # never expires
    log = open(LOGS / f"expiry-sweep-{name}.log", "wb")  # noqa: SIM115 - closed below
    sweeper = spawn("infra.local.expiry_sweep", {**env, "EXPIRY_SWEEP_INTERVAL_SECONDS": "0.2"}, log=log)
    try:
        eventually(
            lambda: ids(db, f"paygw-{name}-sessions") == {"live"}, timeout=20, message="the expired session gone"
        )
        eventually(
            lambda: ids(db, f"paygw-{name}-idempotency") == {"api#live", "api#no-ttl"},
            timeout=20,
            message="the expired key gone",
        )
        # It keeps sweeping: an item that expires later goes too. Ten seconds of life, so a stalled
        # test still reads it back before it expires (with one second, a 2 s stall failed).
        soon = int(time.time()) + 10
        put_session(db, name, "soon", soon)
        assert "soon" in ids(db, f"paygw-{name}-sessions")
        time.sleep(max(0.0, soon - 1 - time.time()))  # sweeps every 0.2 s: none may take it early
        assert "soon" in ids(db, f"paygw-{name}-sessions") or time.time() >= soon + 1
        eventually(lambda: ids(db, f"paygw-{name}-sessions") == {"live"}, timeout=30, message="the later one gone")
        assert sweeper.poll() is None
    finally:
        stop(sweeper)
        log.close()


def test_an_item_renewed_between_the_scan_and_the_delete_is_kept(aws, stage):
    """The race with a concurrent writer: Powertools reuses an expired idempotency key by writing
    over it (its condition accepts an expired record). The sweep's scan saw it expired; the delete
    comes after the renewal and must not take the renewed key with it."""
    from chalicelib.aws import client
    from infra.local.expiry_sweep import sweep_table

    name, _ = stage
    db = dynamodb_client(aws.dynamodb_url)
    now = int(time.time())
    put_idempotency(db, name, "api#raced", now - 5)
    put_idempotency(db, name, "api#stale", now - 5)
    renewed = []

    def renew_first(params, **_):
        if params["Key"]["id"]["S"] == "api#raced" and not renewed:
            put_idempotency(db, name, "api#raced", now + 3600)  # the writer wins the race
            renewed.append(True)

    events = client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.DeleteItem", renew_first)
    try:
        deleted = sweep_table(f"paygw-{name}-idempotency", ["id"], "expiration", now)
    finally:
        events.unregister("provide-client-params.dynamodb.DeleteItem", renew_first)
    assert renewed and deleted == 1
    assert ids(db, f"paygw-{name}-idempotency") == {"api#raced"}
