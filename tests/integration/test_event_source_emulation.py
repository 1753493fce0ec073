"""The local SQS event-source emulation, against a real moto server over HTTP.

Each test declares Chalice SQS handlers exactly as app.py does, and checks the emulation gives
them Lambda's semantics: event shape, partial batch failures, crashes, visibility set by the
function, dead-letter queue after maxReceiveCount, batch size, batching window, concurrency.
"""

from __future__ import annotations

import json
import threading
import time
import types
import uuid

import pytest
from chalice import Chalice

from tests.support.waiting import eventually


@pytest.fixture
def sqs(aws):
    from chalicelib.aws import client

    return client("sqs")


@pytest.fixture
def queue(sqs):
    """A queue with a 2 s visibility timeout and a DLQ after 3 receives."""
    name = "emu-" + uuid.uuid4().hex[:10]
    dlq_url = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": "2",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}),
        },
    )["QueueUrl"]
    return types.SimpleNamespace(name=name, url=url, dlq_url=dlq_url)


class Recorder:
    """What the handler saw, and what it should do with each message (by the body's "do")."""

    def __init__(self):
        self.events: list[dict] = []
        self.deliveries: dict[str, list[float]] = {}
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def handle(self, event: dict, sqs, queue_url: str) -> dict:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.events.append(event)
        try:
            time.sleep(0.2)  # long enough for concurrent invocations to overlap
            failures = []
            for record in event["Records"]:
                body = json.loads(record["body"])
                with self.lock:
                    self.deliveries.setdefault(body["id"], []).append(time.monotonic())
                action = body.get("do", "ok")
                if action == "raise":
                    raise RuntimeError("the function crashed")
                if action == "fail":
                    failures.append({"itemIdentifier": record["messageId"]})
                if action.startswith("hide:") and len(self.deliveries[body["id"]]) == 1:
                    sqs.change_message_visibility(
                        QueueUrl=queue_url,
                        ReceiptHandle=record["receiptHandle"],
                        VisibilityTimeout=int(action.split(":")[1]),
                    )
                    failures.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failures}
        finally:
            with self.lock:
                self.active -= 1


def run_emulation(queue, sqs, recorder, **decorator):
    """Declare a Chalice SQS handler with `decorator` settings and run it under the emulation."""
    from infra.local.event_sources import Poller, sources_of

    app = Chalice(app_name="emulation-test")

    @app.on_sqs_message(queue=queue.name, **decorator)
    def handler(event):
        return recorder.handle(event.to_dict(), sqs, queue.url)

    module = types.SimpleNamespace(app=app, handler=handler)
    stopping = threading.Event()
    [source] = sources_of(module)
    Poller(source, "us-east-1", stopping).start()
    return stopping


def send(sqs, queue, *bodies):
    for body in bodies:
        sqs.send_message(
            QueueUrl=queue.url,
            MessageBody=json.dumps(body),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
        )


def depth(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_events_have_the_shape_lambda_delivers(sqs, queue):
    recorder = Recorder()
    stopping = run_emulation(queue, sqs, recorder, batch_size=10)
    try:
        send(sqs, queue, {"id": "a"})
        eventually(lambda: recorder.events, message="an invocation")
        record = recorder.events[0]["Records"][0]
        assert set(record) == {
            "messageId",
            "receiptHandle",
            "body",
            "attributes",
            "messageAttributes",
            "md5OfBody",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        }
        assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
        assert record["eventSourceARN"].endswith(":" + queue.name)
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
        assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp", "SenderId"} <= set(record["attributes"])
        assert record["messageAttributes"]["kind"]["stringValue"] == "test"
        assert record["messageAttributes"]["kind"]["dataType"] == "String"
        assert json.loads(record["body"]) == {"id": "a"}
        eventually(lambda: depth(sqs, queue.url) == 0, message="the succeeded record to be deleted")
    finally:
        stopping.set()


def test_partial_batch_failure_keeps_only_the_failed_records(sqs, queue):
    recorder = Recorder()
    # Six seconds of visibility, not the fixture's two: the ok records must be deleted before they
    # could come back, and a 2.5 s stall between their receive and their delete beat two seconds.
    sqs.set_queue_attributes(QueueUrl=queue.url, Attributes={"VisibilityTimeout": "6"})
    send(sqs, queue, {"id": "ok-1"}, {"id": "bad", "do": "fail"}, {"id": "ok-2"})
    stopping = run_emulation(queue, sqs, recorder, batch_size=10)
    try:
        eventually(lambda: len(recorder.deliveries.get("bad", [])) >= 2, message="the failed record to come back")
        assert len(recorder.deliveries["ok-1"]) == 1 and len(recorder.deliveries["ok-2"]) == 1
        receive_counts = [
            r["attributes"]["ApproximateReceiveCount"]
            for e in recorder.events
            for r in e["Records"]
            if json.loads(r["body"])["id"] == "bad"
        ]
        assert receive_counts[:2] == ["1", "2"]
    finally:
        stopping.set()


def test_a_handler_that_raises_leaves_its_whole_batch_on_the_queue(sqs, queue):
    recorder = Recorder()
    send(sqs, queue, {"id": "innocent"}, {"id": "crash", "do": "raise"})
    stopping = run_emulation(queue, sqs, recorder, batch_size=10)
    try:
        eventually(lambda: len(recorder.deliveries.get("crash", [])) >= 2, message="the batch to be redelivered")
        together = [
            e for e in recorder.events if {json.loads(r["body"])["id"] for r in e["Records"]} >= {"innocent", "crash"}
        ]
        assert together, "both records should have been in one batch"
        # Redelivered with the crashed batch: both come back visible at once, though a receive
        # may return one of them a poll before the other.
        eventually(lambda: len(recorder.deliveries["innocent"]) >= 2, message="the innocent record to come back")
    finally:
        stopping.set()


def test_a_visibility_delay_set_by_the_function_is_honoured(sqs, queue):
    recorder = Recorder()
    send(sqs, queue, {"id": "later", "do": "hide:4"})
    stopping = run_emulation(queue, sqs, recorder, batch_size=1)
    try:
        eventually(lambda: len(recorder.deliveries.get("later", [])) >= 2, timeout=15, message="the second delivery")
        first, second = recorder.deliveries["later"][:2]
        # The queue's own visibility is 2 s: reappearing after ~4 s means the function's choice won.
        # Early is what would be wrong; late only measures how loaded the machine is, so the upper
        # bound is a loose guard against a far longer hide.
        assert 3.5 <= second - first <= 10.0
        eventually(lambda: depth(sqs, queue.url) == 0, message="the record to be deleted on success")
    finally:
        stopping.set()


def test_records_that_keep_failing_go_to_the_dead_letter_queue(sqs, queue):
    recorder = Recorder()
    send(sqs, queue, {"id": "poison", "do": "fail"})
    stopping = run_emulation(queue, sqs, recorder, batch_size=1)
    try:
        dead = eventually(
            lambda: sqs.receive_message(QueueUrl=queue.dlq_url, WaitTimeSeconds=1).get("Messages"),
            timeout=20,
            message="the record in the DLQ",
        )
        assert json.loads(dead[0]["Body"]) == {"id": "poison", "do": "fail"}
        assert len(recorder.deliveries["poison"]) == 3  # maxReceiveCount
    finally:
        stopping.set()


def test_batch_size_window_and_concurrency_come_from_the_decorator(sqs, queue):
    recorder = Recorder()
    send(sqs, queue, *({"id": f"m{n}"} for n in range(12)))
    stopping = run_emulation(
        queue, sqs, recorder, batch_size=3, maximum_batching_window_in_seconds=1, maximum_concurrency=2
    )
    try:
        eventually(lambda: len(recorder.deliveries) == 12, message="all twelve records")
        sizes = [len(event["Records"]) for event in recorder.events]
        assert max(sizes) == 3 and sum(sizes) == 12
        assert recorder.peak == 2
        eventually(lambda: depth(sqs, queue.url) == 0, message="every record deleted")
    finally:
        stopping.set()
