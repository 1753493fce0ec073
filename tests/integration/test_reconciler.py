"""No stranded work, over HTTP to DynamoDB Local and the moto server: when every send after the
API's commit fails (FAULT_INJECT=api.enqueue), each request still answers its success status,
and the reconciler, run by the local schedule emulation, brings every payment, refund and
webhook to its final state, each transition and each webhook once. The reconciler reads the
awaiting index only: no Scan, and nothing within the grace is touched."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

import pytest

from chalicelib.domain.events import event_id
from tests.support.api import UPI_FAILURE, UPI_SUCCESS, Api
from tests.support.receiver import _entity_id as entity_of
from tests.support.stack import ROOT
from tests.support.waiting import eventually

STRANDING = {
    "FAULT_INJECT": "api.enqueue",  # every send after a commit fails (chalicelib/services/after_commit.py)
    "TEST_PROCESSING_DELAY": "0",
    "RECONCILE_GRACE_SECONDS": "2",
    "LOCAL_SCHEDULE_SECONDS": "1",
}


@pytest.mark.slow
def test_work_whose_sends_failed_after_the_commit_reaches_its_final_state_once(make_gateway, receiver):
    stack = make_gateway(**STRANDING)
    api = Api(stack, stack.new_merchant(receiver.url))
    payments = [api.pay(UPI_SUCCESS), api.pay(UPI_SUCCESS), api.pay(UPI_FAILURE)]  # each asserts 201
    assert all(payment["status"] == "pending" for payment in payments)
    finals = [api.wait_final(payment["id"], timeout=60)["status"] for payment in payments]
    assert finals == ["success", "success", "failed"]

    refund = api.post(f"/api/v1/payments/{payments[0]['id']}/refunds", {"amount": 20000})
    assert refund.status_code == 201, refund.text
    refund_id = refund.json()["id"]
    processed = eventually(
        lambda: (r := api.get(f"/api/v1/refunds/{refund_id}").json())["status"] == "processed" and r,
        timeout=60,
        message="the refund to be processed",
    )
    assert processed["amount"] == 20000

    test_event = api.post("/api/v1/merchant/webhook/test")
    assert test_event.status_code == 202, test_event.text

    expected: Counter[tuple[str, str | None]] = Counter()
    for payment, final in zip(payments, finals, strict=True):
        for kind in ("payment.created", "payment.pending", "payment." + final):
            expected[(kind, payment["id"])] = 1
    expected[("refund.created", refund_id)] = expected[("refund.processed", refund_id)] = 1
    expected[("webhook.test", api.merchant.id)] = 1
    eventually(
        lambda: all(receiver.events(kind, entity) for kind, entity in expected),
        timeout=60,
        message="every webhook",
    )

    # A manual retry whose send fails too: answered, and delivered once more.
    retried_id = event_id(payments[1]["id"], "payment.created")
    retried = api.post(f"/api/v1/webhooks/{retried_id}/retry")
    assert retried.status_code == 200, retried.text
    receiver.wait_for("payment.created", payments[1]["id"], count=2, timeout=60)
    expected[("payment.created", payments[1]["id"])] = 2

    # Every delivery final, each attempt recorded once (the manual retry's is a second attempt).
    # Receipts are at least once: attempts are not claimed before their POST, so a job the
    # reconciler re-sent while the first was still queued on this loaded, 2-second-grace stage
    # POSTs too, under the same webhook-id and body (docs/decisions.md, "The delivery engine").
    deliveries = eventually(
        lambda: (d := api.deliveries()) and all(x["status"] == "success" for x in d) and d, timeout=60
    )
    assert len(deliveries) == len(expected)
    assert sorted(d["attempts"] for d in deliveries) == [1] * (len(expected) - 1) + [2]
    received = Counter((r.event, entity_of(r)) for r in receiver.events())
    assert all(received[key] >= count for key, count in expected.items()) and set(received) == set(expected)
    by_id: dict[str, set] = {}
    for r in receiver.events():
        by_id.setdefault(r.headers["webhook-id"], set()).add(r.body)
    assert all(len(bodies) == 1 for bodies in by_id.values())
    # Several reconciler periods later nothing more comes: final work is never re-sent.
    settled = len(receiver.events())
    time.sleep(4)
    assert len(receiver.events()) == settled


def count_one_run(stack, **env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.reconcile_counts"],
        env={**stack.env, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_reconciler_reads_only_its_index_and_leaves_fresh_work_alone(make_gateway):
    # No processing delay: the payment is due when it is created, as its events are, so "overdue
    # by more than a grace of 0" holds for all three however soon the runs below start (with the
    # default 1 s delay, two fast runs saw the events overdue and the payment not yet due).
    stack = make_gateway(FAULT_INJECT="api.enqueue", RECONCILE_GRACE_SECONDS="3600", TEST_PROCESSING_DELAY="0")
    stack.stop_functions()  # the runs below are the only reconciler
    api = Api(stack)
    stranded = api.pay(UPI_SUCCESS)  # its job and events were never queued

    fresh = count_one_run(stack)
    assert fresh["summary"]["payments"] == fresh["summary"]["deliveries"] == 0
    assert fresh["summary"]["complete"] is True
    # One Query per (kind, shard) of the awaiting index; no Scan, no write, no send.
    assert set(fresh["operations"]) == {"Query"} and len(fresh["operations"]) == 48

    overdue = count_one_run(stack, RECONCILE_GRACE_SECONDS="0")
    assert (overdue["summary"]["payments"], overdue["summary"]["deliveries"]) == (1, 2)
    operations = Counter(overdue["operations"])
    assert "Scan" not in operations
    assert operations["Query"] == 48 and operations["UpdateItem"] == 3  # one claim per item
    assert operations["SendMessage"] + operations["SendMessageBatch"] >= 2

    again = count_one_run(stack, RECONCILE_GRACE_SECONDS="60")
    assert again["summary"]["payments"] == 0  # claimed just now: due again only after the grace
    stack.start_functions()
    assert api.wait_final(stranded["id"], timeout=60)["status"] == "success"
