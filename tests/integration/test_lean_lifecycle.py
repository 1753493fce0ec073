"""The lean payment lifecycle over the real emulators: how many AWS calls each step makes, and
that the savings never cost an event (docs/decisions.md, "A lean payment lifecycle")."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import UPI_FAILURE, UPI_SUCCESS, Api
from tests.support.sqs import queue_empty
from tests.support.stack import ROOT
from tests.support.waiting import eventually

PAYMENTS_PER_BATCH = 10


@pytest.mark.slow
def test_creating_a_payment_makes_three_aws_calls_and_processing_at_most_two_each(make_gateway, aws):
    stack = make_gateway(TEST_PROCESSING_DELAY="0")
    stack.stop_functions()  # the counting process runs the payment function itself
    counted = subprocess.run(
        [sys.executable, "-m", "tests.support.call_counts", str(PAYMENTS_PER_BATCH)],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert counted.returncode == 0, counted.stderr[-3000:]
    calls = json.loads(counted.stdout.strip().splitlines()[-1])
    # Read the order, write the payment with its two events, queue one message.
    for operations in calls["create_payment"]:
        assert operations == ["GetItem", "TransactWriteItems", "SendMessage"]
    # One receive and one delete for the batch, one transaction per payment, the 30 events in
    # three SendMessageBatch calls, and at most one write of the job counters: no reads at all.
    assert calls["messages"] == PAYMENTS_PER_BATCH
    processing = Counter(calls["process"])
    # One transaction per payment, and at most one more: the job counters' flush, a one-item
    # transaction (chalicelib/store/job_stats.py), sent in the background, so counted or not.
    assert PAYMENTS_PER_BATCH <= processing["TransactWriteItems"] <= PAYMENTS_PER_BATCH + 1
    assert processing["SendMessageBatch"] == 3
    assert "GetItem" not in processing and "BatchGetItem" not in processing
    assert sum(processing.values()) <= 2 * PAYMENTS_PER_BATCH, processing

    # The copy a job carries is the stored record's: a card's last four digits, never its number.
    from chalicelib.aws import client

    card = {"number": "5555 5555 5555 4444", "expiry_month": 11, "expiry_year": 2035, "cvv": "9173"}
    paid = Api(stack).pay({"method": "card", "card": {**card, "holder_name": "Card Holder"}})
    sqs = client("sqs")
    queue = sqs.get_queue_url(QueueName=f"paygw-{stack.stage}-payment-jobs")["QueueUrl"]
    [message] = eventually(
        lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"),
        message="the card payment's job",
    )
    job = json.loads(message["Body"])
    assert job["payment_id"] == paid["id"] and job["payment"]["card_last4"] == "4444"
    assert "5555555555554444" not in message["Body"] and "5555 5555" not in message["Body"]
    assert "cvv" not in message["Body"].lower() and '"9173"' not in message["Body"]


@pytest.mark.slow
def test_a_crash_between_finalizing_and_the_flush_loses_no_event(make_gateway, receiver):
    """Every payment of the batch crashes its invocation once after its transition (and once
    after queueing its event in the invocation's outbox): nothing was flushed, the whole batch
    comes back, and each redelivery finds its payment final and queues what never started."""
    stack = make_gateway(FAULT_INJECT="payment.after_transition,payment.after_dispatch", TEST_PROCESSING_DELAY="0")
    api = Api(stack, stack.new_merchant(receiver.url))
    orders = [api.order(1000 + n) for n in range(12)]  # more than a batch: 36 events, 10 at most per call
    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(lambda o: Api(stack, api.merchant).pay(UPI_SUCCESS, o)["id"], orders))
    for payment_id in created:
        assert api.wait_final(payment_id, timeout=90)["status"] == "success"
    deliveries = eventually(
        lambda: (d := api.deliveries()) and len(d) == 36 and all(x["status"] == "success" for x in d) and d,
        timeout=90,
        message="every event delivered",
    )
    assert Counter(d["event"] for d in deliveries) == {
        "payment.created": 12,
        "payment.pending": 12,
        "payment.success": 12,
    }
    for payment_id in created:
        for kind in ("payment.created", "payment.pending", "payment.success"):
            assert receiver.wait_for(kind, payment_id), (kind, payment_id)


def test_a_copy_redelivered_after_the_payment_was_final_changes_nothing(gateway, receiver, aws):
    """A new-format job, carrying the payment as still pending (and an instrument that would now
    fail it), arrives after the payment succeeded: finalizing is conditional, so nothing moves."""
    from chalicelib.aws import client

    api = Api(gateway, gateway.new_merchant(receiver.url))
    payment = api.pay(UPI_SUCCESS)
    final = api.wait_final(payment["id"])
    receiver.wait_for("payment.success", payment["id"])
    copy = {
        **payment,
        "status": "pending",
        "instrument": "fail",
        "process_after_ms": 0,
    }
    queue = client("sqs").get_queue_url(QueueName=f"paygw-{gateway.stage}-payment-jobs")["QueueUrl"]
    client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps({"payment_id": payment["id"], "payment": copy}))
    client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps({"payment_id": payment["id"]}))  # old format
    eventually(
        lambda: queue_empty(client("sqs"), queue),
        message="the stale copies consumed",
    )
    assert api.payment(payment["id"]) == final
    assert sorted(d["event"] for d in api.deliveries()) == ["payment.created", "payment.pending", "payment.success"]
    assert len(receiver.events("payment.success", payment["id"])) == 1


def test_a_failed_payment_and_its_events_follow_the_same_path(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    payment = api.pay(UPI_FAILURE)
    assert api.wait_final(payment["id"])["status"] == "failed"
    for kind in ("payment.created", "payment.pending", "payment.failed"):
        assert len(receiver.wait_for(kind, payment["id"])) == 1
