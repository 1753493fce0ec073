"""Local emulation of Lambda's SQS event source mapping.

What Lambda does, done here for the local stack:
- long-poll the queue; gather up to `batch_size` records within the batching window;
- run at most `maximum_concurrency` invocations of the function at once;
- pass the event exactly as Lambda shapes it (messageId, receiptHandle, body, attributes with
  ApproximateReceiveCount, messageAttributes, md5OfBody, eventSource, eventSourceARN, awsRegion);
- delete the records that succeeded, with their current receipt handles;
- leave on the queue the records named in {"batchItemFailures": [...]} (ReportBatchItemFailures),
  and every record of a batch whose invocation raised. SQS then redelivers them when their
  visibility timeout ends (whatever the function set it to) and moves them to the dead-letter
  queue after maxReceiveCount.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from chalice.local import LambdaContext

from chalicelib.aws import client
from chalicelib.logs import logger

MAX_RECEIVE_BATCH = 10  # SQS returns at most ten messages per receive
LONG_POLL_SECONDS = 20
DEFAULT_CONCURRENCY = 2  # Lambda's smallest maximum concurrency for SQS
FUNCTION_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class Source:
    name: str
    queue: str
    batch_size: int
    batching_window_seconds: float
    maximum_concurrency: int
    handler: Callable[[dict, object], object]


def sources_of(app_module) -> list[Source]:
    """Every SQS-triggered function the Chalice app declares, with its decorator's settings."""
    found = []
    for config in app_module.app.event_sources:
        if type(config).__name__ != "SQSEventConfig":
            continue
        handler = getattr(app_module, config.handler_string.split(".")[-1])
        found.append(
            Source(
                config.name,
                config.queue,
                config.batch_size,
                config.maximum_batching_window_in_seconds or 0,
                config.maximum_concurrency or DEFAULT_CONCURRENCY,
                handler,
            )
        )
    return found


def lambda_record(message: dict, queue_arn: str, region: str) -> dict:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


class Poller:
    """Feeds one function from its queue, with up to `maximum_concurrency` invocations at once."""

    def __init__(self, source: Source, region: str, stopping: threading.Event):
        self.source = source
        self.region = region
        self.stopping = stopping
        self.sqs = client("sqs")
        self.queue_url = self.sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.invocations = 0

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._loop, name=f"{self.source.name}-{n}", daemon=True)
            for n in range(self.source.maximum_concurrency)
        ]
        for thread in threads:
            thread.start()
        return threads

    def _receive(self, wanted: int, wait_seconds: int) -> list[dict]:
        return self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(wanted, MAX_RECEIVE_BATCH),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def _gather(self) -> list[dict]:
        """One long poll, then more receives until the batch is full or the window closes."""
        messages = self._receive(self.source.batch_size, LONG_POLL_SECONDS)
        if not messages or self.source.batching_window_seconds <= 0:
            return messages
        deadline = time.monotonic() + self.source.batching_window_seconds
        while len(messages) < self.source.batch_size and not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            messages += self._receive(self.source.batch_size - len(messages), min(int(remaining), LONG_POLL_SECONDS))
        return messages

    def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                messages = self._gather()
                if messages:
                    self.invoke(messages)
            except (BotoCoreError, ClientError) as error:
                if self.stopping.is_set():
                    return
                logger.warning(f"polling failed ({error}); retrying in 1 s", extra={"function": self.source.name})
                self.stopping.wait(1)

    def invoke(self, messages: list[dict]) -> None:
        event = {"Records": [lambda_record(m, self.queue_arn, self.region) for m in messages]}
        context = LambdaContext(self.source.name, 512, FUNCTION_TIMEOUT_MS)
        context.aws_request_id = str(uuid.uuid4())
        self.invocations += 1
        try:
            result = self.source.handler(event, context)
        except BaseException:  # noqa: BLE001 - a crashed invocation: every record stays on the queue
            logger.exception(
                "function invocation failed; its records return after their visibility timeout",
                extra={"function": self.source.name},
            )
            return
        failures = result.get("batchItemFailures", []) if isinstance(result, dict) else []
        failed = {item["itemIdentifier"] for item in failures}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
