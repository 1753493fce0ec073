"""Running one SQS batch: every record concurrently, partial failures reported to Lambda.

aws-lambda-powertools' AsyncBatchProcessor gives the batchItemFailures contract; records run in
threads so that one slow record (a webhook receiver that times out) never holds up the others.
A record whose work must wait gets its visibility changed and is reported as failed: SQS
redelivers it after exactly that wait. Nothing sleeps.

The messages records send (webhook events, mostly) are held and sent together once every record
has run: one SendMessageBatch per ten messages for the whole invocation. A record whose message
SQS refuses is reported as failed, so its redelivery sends it again; a crash before the flush
loses nothing either, since the whole batch is redelivered and every record's work finds what it
saved (see services/payments.process).
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
        self._completed_ids: set[str] = set()
        self._lock = threading.Lock()

    def count(self, failed: bool, message_id: str = "") -> None:
        with self._lock:
            if failed:
                self.failed += 1
            else:
                self.completed += 1
                self._completed_ids.add(message_id)

    def unsent(self, message_ids: set[str]) -> None:
        """These records' messages were refused: they failed after all."""
        with self._lock:
            moved = len(message_ids & self._completed_ids)
            self._completed_ids -= message_ids
            self.completed -= moved
            self.failed += moved


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
    held = queues.Collector()

    def handle(record: SQSRecord) -> str:
        age = time.time() - int(record.attributes.sent_timestamp) / 1000
        try:
            with queues.collecting(held, record.message_id):
                result = work(json.loads(record.body), age)
        except Exception:
            tally.count(failed=True)
            logger.exception("job failed", extra={"queue": queue, "message_id": record.message_id})
            raise
        if isinstance(result, RetryAfter):
            queues.hide_for(queue, record.receipt_handle, result.seconds)
            raise RetryLater(f"retry in {result.seconds} s")
        tally.count(failed=result.status in FAILED_OUTCOMES, message_id=record.message_id)
        return result.status

    async def handle_async(record: SQSRecord) -> str:
        return await asyncio.get_running_loop().run_in_executor(_threads, handle, record)

    processor = AsyncBatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = dict(
        async_process_partial_response(event=event, record_handler=handle_async, processor=processor, context=context)
    )
    unsent = held.flush()
    if unsent:
        _fail(response, unsent)
        tally.unsent(unsent)
    try:
        jobs_status.count(tally.completed, tally.failed)
    except Exception:  # noqa: BLE001 - counters are best effort: never fail a batch over them
        logger.exception("could not update job counters")
    return response


def _fail(response: dict[str, Any], message_ids: set[str]) -> None:
    """Report these records as failed too (once each): SQS redelivers them."""
    failures = response.setdefault("batchItemFailures", [])
    reported = {item["itemIdentifier"] for item in failures}
    failures.extend({"itemIdentifier": message_id} for message_id in sorted(message_ids - reported))
