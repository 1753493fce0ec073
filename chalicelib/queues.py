"""The SQS adapter: queue names, sending jobs and changing a message's visibility.

Inside a function invocation, sends are held and go out together at its end (`Collector`): one
SendMessageBatch per ten messages instead of one call per record.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from .aws import client
from .config import resource_name
from .logs import logger

PAYMENT_JOBS = "payment-jobs"
REFUND_JOBS = "refund-jobs"
WEBHOOK_DELIVERIES = "webhook-deliveries"
JOB_QUEUES = (PAYMENT_JOBS, REFUND_JOBS, WEBHOOK_DELIVERIES)

MAX_DELAY_SECONDS = 900  # SQS's limit for DelaySeconds
MAX_VISIBILITY_SECONDS = 43200  # SQS's limit for a visibility timeout
MAX_BATCH_ENTRIES = 10  # SQS's limit for SendMessageBatch

_urls: dict[str, str] = {}
_urls_lock = threading.Lock()


class Outbox(Protocol):
    """Where jobs go instead of SQS when one is set: the seam unit tests record them through."""

    def send(self, logical: str, job: dict[str, Any], delay_seconds: int) -> None: ...


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


def _with_delays(jobs: list[dict[str, Any]], delays: Sequence[int] | None) -> list[tuple[dict[str, Any], int]]:
    return list(zip(jobs, delays if delays is not None else [0] * len(jobs), strict=True))


def _delay(seconds: int) -> int:
    return min(max(seconds, 0), MAX_DELAY_SECONDS)


def send(logical: str, job: dict[str, Any], delay_seconds: int = 0) -> None:
    collecting = _collecting.get()
    if collecting is not None:
        collecting[0].add(logical, collecting[1], [job], [delay_seconds])
        return
    if _outbox is not None:
        _outbox.send(logical, job, delay_seconds)
        return
    client("sqs").send_message(
        QueueUrl=queue_url(logical), MessageBody=_encode(job), DelaySeconds=_delay(delay_seconds)
    )


def send_many(logical: str, jobs: list[dict[str, Any]], delays: Sequence[int] | None = None) -> None:
    """Up to ten jobs per call, each with its own delay (none by default); a partly failed batch
    raises, so the caller's retry resends it."""
    if not jobs:
        return
    collecting = _collecting.get()
    if collecting is not None:
        collecting[0].add(logical, collecting[1], jobs, delays)
        return
    unsent = _send_batches(logical, [(None, job, delay) for job, delay in _with_delays(jobs, delays)])
    if unsent:
        raise RuntimeError(f"SQS refused {unsent} of {len(jobs)} messages")


def _send_batches(logical: str, entries: list[tuple[None, dict[str, Any], int]]) -> int:
    """Send (_, job, delay) entries in batches of ten: how many SQS did not take."""
    if _outbox is not None:
        for _, job, delay in entries:
            _outbox.send(logical, job, delay)
        return 0
    unsent = 0
    for start in range(0, len(entries), MAX_BATCH_ENTRIES):
        chunk = entries[start : start + MAX_BATCH_ENTRIES]
        result = client("sqs").send_message_batch(QueueUrl=queue_url(logical), Entries=_batch_entries(chunk))
        unsent += len(result.get("Failed") or [])
    return unsent


def _batch_entries(chunk: Sequence[tuple[Any, dict[str, Any], int]]) -> list[dict[str, Any]]:
    return [
        {"Id": str(i), "MessageBody": _encode(job), "DelaySeconds": _delay(delay)}
        for i, (_, job, delay) in enumerate(chunk)
    ]


@dataclass(frozen=True)
class _Held:
    logical: str
    owner: str
    job: dict[str, Any]
    delay_seconds: int


class Collector:
    """The messages one invocation's records send, held until `flush` sends them together.

    Each message remembers the record (owner) that sent it, so a message SQS refuses fails its
    own record only: that record is redelivered and sends it again (at least once). What the
    records saved before sending (an event with its transition) is redelivered's to find.
    """

    def __init__(self) -> None:
        self._held: list[_Held] = []
        self._if_unsent: list[tuple[str, Callable[[], None]]] = []
        self._lock = threading.Lock()

    def add(self, logical: str, owner: str, jobs: list[dict[str, Any]], delays: Sequence[int] | None) -> None:
        with self._lock:
            self._held.extend(_Held(logical, owner, job, delay) for job, delay in _with_delays(jobs, delays))

    def if_unsent(self, owner: str, callback: Callable[[], None]) -> None:
        with self._lock:
            self._if_unsent.append((owner, callback))

    def flush(self) -> set[str]:
        """Send everything held, in batches of ten per queue: the owners of what was not sent,
        after running the callbacks those owners left with `if_unsent`."""
        with self._lock:
            held, self._held = self._held, []
            callbacks, self._if_unsent = self._if_unsent, []
        unsent: set[str] = set()
        by_queue: dict[str, list[_Held]] = {}
        for item in held:
            by_queue.setdefault(item.logical, []).append(item)
        for logical, items in by_queue.items():
            for start in range(0, len(items), MAX_BATCH_ENTRIES):
                chunk = items[start : start + MAX_BATCH_ENTRIES]
                unsent |= _flush_chunk(logical, chunk)
        for owner, callback in callbacks:
            if owner in unsent:
                callback()
        return unsent


def _flush_chunk(logical: str, chunk: list[_Held]) -> set[str]:
    if _outbox is not None:
        try:
            for item in chunk:
                _outbox.send(logical, item.job, item.delay_seconds)
        except Exception:  # noqa: BLE001 - a refused send fails its records, which are redelivered
            logger.exception("could not queue held messages", extra={"queue": logical})
            return {item.owner for item in chunk}
        return set()
    entries = _batch_entries([(item.owner, item.job, item.delay_seconds) for item in chunk])
    try:
        result = client("sqs").send_message_batch(QueueUrl=queue_url(logical), Entries=entries)
    except Exception:  # noqa: BLE001 - the whole call failed: every record with a message in it fails
        logger.exception("could not queue held messages", extra={"queue": logical, "messages": len(chunk)})
        return {item.owner for item in chunk}
    failed = {int(entry["Id"]) for entry in result.get("Failed") or []}
    if failed:
        logger.error("SQS refused held messages", extra={"queue": logical, "refused": result["Failed"]})
    return {chunk[i].owner for i in failed}


_collecting: ContextVar[tuple[Collector, str] | None] = ContextVar("queues_collecting", default=None)


@contextmanager
def collecting(collector: Collector, owner: str) -> Iterator[None]:
    """Hold every send made in this thread meanwhile in `collector`, on behalf of `owner`."""
    token = _collecting.set((collector, owner))
    try:
        yield
    finally:
        _collecting.reset(token)


def if_unsent(callback: Callable[[], None]) -> None:
    """Run `callback` if a message this thread's record holds is refused at the flush (its record
    then fails and is redelivered). Outside `collecting`, sends are made at once and a refused
    one raises, so there is nothing to wait for."""
    current = _collecting.get()
    if current is not None:
        collector, owner = current
        collector.if_unsent(owner, callback)


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
