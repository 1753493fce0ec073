"""Running one SQS batch: every record concurrently, partial failures reported to Lambda.

aws-lambda-powertools' AsyncBatchProcessor gives the batchItemFailures contract; records run in
threads so that one slow record (a webhook receiver that times out) never holds up the others.
A record whose work must wait gets its visibility changed and is reported as failed: SQS
redelivers it after exactly that wait. Nothing sleeps. A wait beyond SQS's 12-hour visibility
maximum hides the record for the maximum: it comes back, its job finds its due time still ahead
(every RetryAfter is computed from a stored due time) and waits again; the queue's
maxReceiveCount counts those returns (jobs/redrive.py). A record whose job raised is hidden for
a growing backoff rather than the crash-safe visibility timeout (six times the function's).

Each record's log lines carry its correlation ids (payment, refund, event); each batch publishes
its figures once (chalicelib/metrics.py).

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

from .. import metrics, queues, warmup
from ..logs import logger
from ..services import jobs_status
from . import redrive, sources
from .outcomes import Finished, RetryAfter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

RECORD_THREADS = 32
"""Records of a batch run at once up to this many (infra/queue_rules.py sizes the webhook
function's timeout from it)."""
_threads = ThreadPoolExecutor(max_workers=RECORD_THREADS, thread_name_prefix="record")


class RetryLater(Exception):
    """Not an error: the record's visibility was set and SQS brings it back after the wait."""


class Tally:
    """Outcomes of one batch, counted from its record threads."""

    def __init__(self) -> None:
        self.completed = 0
        self.failed = 0
        self._completed_ids: set[str] = set()
        self.retries = 0
        self.dead_letter_bound = 0
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

    def retry(self) -> None:
        with self._lock:
            self.retries += 1

    def dead_letter(self) -> None:
        with self._lock:
            self.dead_letter_bound += 1


CORRELATION_IDS = {"payment_id": "payment_id", "refund_id": "refund_id", "delivery_id": "event_id"}
"""Job fields every log line of its record carries, under these names (a delivery's id is its
event's id, the `webhook-id` the merchant sees)."""


def correlation_ids(job: Any) -> dict[str, str]:
    if not isinstance(job, dict):
        return {}
    keys = {name: str(job[field]) for field, name in CORRELATION_IDS.items() if job.get(field)}
    if job.get("merchant_id"):
        keys["merchant_id"] = str(job["merchant_id"])
    return keys


def hide_seconds(wait_seconds: int) -> int:
    """The visibility a RetryAfter sets: SQS allows 12 hours at most, so a longer wait comes back
    at 12 hours and waits again (its due time is stored, never carried by the message)."""
    return min(max(wait_seconds, 0), queues.MAX_VISIBILITY_SECONDS)


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
            job = json.loads(record.body)
        except ValueError:
            job = None
        logger.thread_safe_append_keys(**correlation_ids(job))
        try:
            return outcome(record, job, age)
        finally:
            logger.thread_safe_clear_keys()

    def outcome(record: SQSRecord, job: Any, age: float) -> str:
        last_receive = int(record.attributes.approximate_receive_count or 1) >= redrive.max_receive_count(queue)
        try:
            if job is None:
                raise ValueError("the message body is not JSON")
            with queues.collecting(held, record.message_id):
                result = work(job, age)
        except Exception:
            tally.count(failed=True)
            logger.exception("job failed", extra={"queue": queue, "message_id": record.message_id})
            _back_off(queue, record, last_receive, tally)
            raise
        if isinstance(result, RetryAfter):
            tally.retry()
            hidden = hide_seconds(result.seconds)
            if hidden < result.seconds:
                logger.info(
                    "wait beyond SQS's visibility maximum: back in %s s to wait again",
                    hidden,
                    extra={"wait": result.seconds},
                )
            if last_receive:
                tally.dead_letter()
                logger.error("a waiting job's last allowed receive: SQS moves it to the dead-letter queue")
            queues.hide_for(queue, record.receipt_handle, hidden)
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
    _publish(queue, tally)
    return response


def _fail(response: dict[str, Any], message_ids: set[str]) -> None:
    """Report these records as failed too (once each): SQS redelivers them."""
    failures = response.setdefault("batchItemFailures", [])
    reported = {item["itemIdentifier"] for item in failures}
    failures.extend({"itemIdentifier": message_id} for message_id in sorted(message_ids - reported))


def _back_off(queue: str, record: SQSRecord, last_receive: bool, tally: Tally) -> None:
    """A raised job comes back after a growing backoff, not the crash-safe visibility timeout."""
    if last_receive:
        tally.dead_letter()
        logger.error("a failed job's last allowed receive: SQS moves it to the dead-letter queue")
        return
    receives = int(record.attributes.approximate_receive_count or 1)
    try:
        queues.hide_for(queue, record.receipt_handle, redrive.error_backoff_seconds(receives))
    except Exception:  # noqa: BLE001 - then the queue's visibility timeout brings it back
        logger.exception("could not set the failed job's backoff")


def _publish(queue: str, tally: Tally) -> None:
    metrics.add(metrics.JOBS_PROCESSED, tally.completed)
    metrics.add(metrics.JOBS_FAILED, tally.failed)
    metrics.add(metrics.RETRIES_SCHEDULED, tally.retries)
    metrics.add(metrics.DEAD_LETTER_BOUND, tally.dead_letter_bound)
    try:
        metrics.flush(sources.FUNCTIONS.get(queue, queue))
    except Exception:  # noqa: BLE001 - figures are best effort: never fail a batch over them
        logger.exception("could not publish the batch's metrics")
