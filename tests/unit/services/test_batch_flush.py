"""One invocation, one flush: the messages a batch's records send go out together at its end, in
batches of ten, and a message SQS refuses fails its own record (and only it)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib import queues, warmup
from chalicelib.domain import events
from chalicelib.jobs import payments as payment_function
from chalicelib.services import jobs_status, payments
from chalicelib.services.payments import PaymentRequest
from tests.support.off_loop import off_loop

from .conftest import Fakes, add_merchant, new_order


class FakeSqs:
    """SendMessageBatch as SQS answers it, with refusals on demand."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[dict[str, Any]]]] = []
        self.refuse: set[str] = set()  # delivery ids SQS refuses
        self.down = False

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.down:
            raise ConnectionError("SQS is unreachable")
        assert len(Entries) <= 10, "SendMessageBatch takes at most ten entries"
        failed, sent = [], []
        for entry in Entries:
            if json.loads(entry["MessageBody"]).get("delivery_id") in self.refuse:
                failed.append({"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"})
            else:
                sent.append(entry)
        self.batches.append((QueueUrl, sent))
        return {"Successful": [{"Id": e["Id"]} for e in sent], "Failed": failed}

    def sent(self, url: str) -> list[dict[str, Any]]:
        return [json.loads(e["MessageBody"]) for u, entries in self.batches if u == url for e in entries]


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch, fakes: Fakes) -> FakeSqs:
    fake = FakeSqs()
    queues.use_outbox(None)
    monkeypatch.setattr(queues, "client", lambda service: fake)
    monkeypatch.setattr(queues, "_urls", {name: f"url:{name}" for name in queues.JOB_QUEUES})
    monkeypatch.setattr(warmup, "clients", lambda: None)
    monkeypatch.setattr(jobs_status, "_unwritten", {"completed": 0, "failed": 0})
    return fake


def payment_jobs(fakes: Fakes, n: int) -> list[dict[str, Any]]:
    """n created payments' jobs, as the API queued them (the recording outbox keeps them)."""
    add_merchant(fakes)
    recorder = fakes.queues
    queues.use_outbox(recorder)
    try:
        for _ in range(n):
            payments.create("m1", PaymentRequest(new_order(), "upi", vpa="someone@bank"))
    finally:
        queues.use_outbox(None)
    return recorder.take(queues.PAYMENT_JOBS)


def lambda_event(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": json.dumps(job),
                "attributes": {"SentTimestamp": str(int(time.time() * 1000)), "ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:payment-jobs",
                "awsRegion": "us-east-1",
            }
            for i, job in enumerate(jobs)
        ]
    }


def test_twelve_payments_send_their_36_events_in_four_batches(fakes: Fakes, sqs: FakeSqs) -> None:
    jobs = payment_jobs(fakes, 12)
    response = off_loop(payment_function.handle, lambda_event(jobs), None)
    assert response["batchItemFailures"] == []
    deliveries_url = f"url:{queues.WEBHOOK_DELIVERIES}"
    assert [len(entries) for url, entries in sqs.batches if url == deliveries_url] == [10, 10, 10, 6]
    sent = sqs.sent(deliveries_url)
    assert len(sent) == 36
    assert {(job["delivery_id"]) for job in sent} == {
        events.event_id(job["payment_id"], kind)
        for job in jobs
        for kind in (events.PAYMENT_CREATED, events.PAYMENT_PENDING, events.PAYMENT_SUCCESS)
    }


def test_a_refused_message_fails_its_own_record_only(fakes: Fakes, sqs: FakeSqs) -> None:
    jobs = payment_jobs(fakes, 3)
    unlucky = jobs[1]["payment_id"]
    sqs.refuse = {events.event_id(unlucky, events.PAYMENT_SUCCESS)}
    response = off_loop(payment_function.handle, lambda_event(jobs), None)
    assert response["batchItemFailures"] == [{"itemIdentifier": "m1"}]
    # The redelivery finds the payment final and queues its event again, since it never started.
    sqs.refuse = set()
    sqs.batches.clear()
    response = off_loop(payment_function.handle, lambda_event([jobs[1]]), None)
    assert response["batchItemFailures"] == []
    assert events.event_id(unlucky, events.PAYMENT_SUCCESS) in {
        job["delivery_id"] for job in sqs.sent(f"url:{queues.WEBHOOK_DELIVERIES}")
    }
    jobs_status.heartbeat()  # counts are written once a second: now
    stats = fakes.store.job_stats.read()
    assert (stats.completed, stats.failed) == (3, 1)  # counted once the flush said so


def test_an_unreachable_sqs_fails_every_record_that_had_something_to_send(fakes: Fakes, sqs: FakeSqs) -> None:
    jobs = payment_jobs(fakes, 2)
    sqs.down = True
    response = off_loop(payment_function.handle, lambda_event([*jobs, {"payment_id": "pay_unknown"}]), None)
    # The unknown payment's record waits (a visibility change, not a send): it fails for that.
    assert sorted(item["itemIdentifier"] for item in response["batchItemFailures"]) == ["m0", "m1", "m2"]
    for job in jobs:
        stored = fakes.store.payments.get(job["payment_id"])
        assert stored is not None and stored.status == "success"  # saved, with its event
        assert fakes.store.deliveries.get(events.event_id(stored.id, events.PAYMENT_SUCCESS)) is not None
