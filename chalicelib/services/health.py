"""Is the gateway able to work: can it reach DynamoDB and SQS?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws import client
from ..config import resource_name, settings
from ..queues import PAYMENT_JOBS, queue_name


def _probe(check: Callable[[], object]) -> str:
    try:
        check()
        return "UP"
    except (BotoCoreError, ClientError):
        return "DOWN"


def check() -> tuple[bool, dict[str, Any]]:
    dynamodb = _probe(lambda: client("dynamodb", probe=True).describe_table(TableName=resource_name("merchants")))
    sqs = _probe(lambda: client("sqs", probe=True).get_queue_url(QueueName=queue_name(PAYMENT_JOBS)))
    healthy = dynamodb == "UP" and sqs == "UP"
    return healthy, {"status": "UP" if healthy else "DOWN", "dynamodb": dynamodb, "sqs": sqs, "stage": settings().stage}
