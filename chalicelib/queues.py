"""The SQS adapter: queue names, sending jobs and changing a message's visibility."""

from __future__ import annotations

import json
import threading
from typing import Any, Protocol

from .aws import client
from .config import resource_name

PAYMENT_JOBS = "payment-jobs"
REFUND_JOBS = "refund-jobs"
WEBHOOK_DELIVERIES = "webhook-deliveries"
JOB_QUEUES = (PAYMENT_JOBS, REFUND_JOBS, WEBHOOK_DELIVERIES)

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds
MAX_VISIBILITY_SECONDS = 43200  # SQS's limit for a visibility timeout

_urls: dict[str, str] = {}
_urls_lock = threading.Lock()


class Outbox(Protocol):
    """Where jobs go instead of SQS when one is set: the seam unit tests record them through."""

    def send(self, logical: str, job: dict[str, Any], delay_seconds: int) -> None: ...

    def send_many(self, logical: str, jobs: list[dict[str, Any]]) -> None: ...


_outbox: Outbox | None = None


def use_outbox(outbox: Outbox | None) -> None:
    """Send every job to `outbox` from now on; None sends to SQS again."""
    global _outbox
    _outbox = outbox


def queue_name(logical: str) -> str:
    return resource_name(logical)


def dead_letter_name(logical: str) -> str:
    return resource_name(logical + "-dlq")


def queue_url(logical: str) -> str:
    url = _urls.get(logical)
    if url is None:
        url = client("sqs").get_queue_url(QueueName=queue_name(logical))["QueueUrl"]
        with _urls_lock:
            _urls[logical] = url
    return url


def _encode(job: dict[str, Any]) -> str:
    return json.dumps(job, separators=(",", ":"))


def send(logical: str, job: dict[str, Any], delay_seconds: int = 0) -> None:
    if _outbox is not None:
        _outbox.send(logical, job, delay_seconds)
        return
    client("sqs").send_message(
        QueueUrl=queue_url(logical),
        MessageBody=_encode(job),
        DelaySeconds=min(max(delay_seconds, 0), MAX_DELAY_SECONDS),
    )


def send_many(logical: str, jobs: list[dict[str, Any]]) -> None:
    """Up to ten jobs per call; a partly failed batch raises, so the caller's retry resends it."""
    if _outbox is not None:
        _outbox.send_many(logical, jobs)
        return
    for start in range(0, len(jobs), 10):
        chunk = jobs[start : start + 10]
        entries = [{"Id": str(i), "MessageBody": _encode(job)} for i, job in enumerate(chunk)]
        result = client("sqs").send_message_batch(QueueUrl=queue_url(logical), Entries=entries)
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused {len(result['Failed'])} of {len(entries)} messages")


def hide_for(logical: str, receipt_handle: str, seconds: int) -> None:
    """Make a received message reappear after `seconds`: how every delayed retry is scheduled."""
    client("sqs").change_message_visibility(
        QueueUrl=queue_url(logical),
        ReceiptHandle=receipt_handle,
        VisibilityTimeout=min(max(seconds, 0), MAX_VISIBILITY_SECONDS),
    )


def depth(logical: str) -> dict[str, int]:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(logical),
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return {name: int(value) for name, value in attributes.items()}
