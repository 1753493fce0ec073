"""Reading an SQS queue's state in tests."""

from __future__ import annotations

from typing import Any

COUNTS = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed")


def queue_empty(sqs: Any, url: str) -> bool:
    """Nothing waiting, in flight or delayed."""
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(COUNTS))["Attributes"]
    return all(attributes[name] == "0" for name in COUNTS)
