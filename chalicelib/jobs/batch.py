"""Running one SQS batch: every record concurrently, partial failures reported to Lambda.

aws-lambda-powertools' AsyncBatchProcessor gives the batchItemFailures contract; records run in
threads so that one slow record (a webhook receiver that times out) never holds up the others.
A record whose work must wait gets its visibility changed and is reported as failed: SQS
redelivers it after exactly that wait. Nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .. import queues, warmup
from ..logs import logger
from ..services import jobs_status
from .outcomes import Finished, RetryAfter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

_threads = ThreadPoolExecutor(max_workers=32, thread_name_prefix="record")


class RetryLater(Exception):
    """Not an error: the record's visibility was set and SQS brings it back after the wait."""


class Tally:
    """Outcomes of one batch, counted from its record threads."""

    def __init__(self) -> None:
        self.completed = 0
        self.failed = 0
        self._lock = threading.Lock()

    def count(self, failed: bool) -> None:
        with self._lock:
            if failed:
                self.failed += 1
            else:
                self.completed += 1


FAILED_OUTCOMES = ("failed",)


def run(
    event: dict[str, Any],
    context: Any,
    queue: str,
    work: Callable[[dict[str, Any], float], Finished | RetryAfter],
) -> dict[str, Any]:
    # Imported here: the API function imports app.py too, and never runs a batch.
    from aws_lambda_powertools.utilities.batch import AsyncBatchProcessor, EventType, async_process_partial_response

    warmup.clients()  # before the records' threads: else each builds its own botocore session
    tally = Tally()

    def handle(record: SQSRecord) -> str:
        age = time.time() - int(record.attributes.sent_timestamp) / 1000
        try:
            result = work(json.loads(record.body), age)
        except Exception:
            tally.count(failed=True)
            logger.exception("job failed", extra={"queue": queue, "message_id": record.message_id})
            raise
        if isinstance(result, RetryAfter):
            queues.hide_for(queue, record.receipt_handle, result.seconds)
            raise RetryLater(f"retry in {result.seconds} s")
        tally.count(failed=result.status in FAILED_OUTCOMES)
        return result.status

    async def handle_async(record: SQSRecord) -> str:
        return await asyncio.get_running_loop().run_in_executor(_threads, handle, record)

    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = async_process_partial_response(
        event=event, record_handler=handle_async, processor=processor, context=context
    )
    try:
        jobs_status.count(tally.completed, tally.failed)
    except Exception:  # noqa: BLE001 - counters are best effort: never fail a batch over them
        logger.exception("could not update job counters")
    return dict(response)
