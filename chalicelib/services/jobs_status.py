"""How much work is queued, running and done, and whether the functions are alive."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

from .. import queues
from ..store import store
from ..store.records import JobStatsWrite

HEARTBEAT_FRESH_SECONDS = 15
# Counts are added up in the process and written at most once a second (or with the heartbeat):
# one write per batch was a fifth of the emulator's work under load. A process that ends within
# that second loses its last counts; they are statistics, not state.
FLUSH_EVERY_SECONDS = 1.0

_unwritten = {"completed": 0, "failed": 0}
_pending: JobStatsWrite | None = None  # a write whose outcome is unknown: sent again, unchanged
_since = 0.0  # time.monotonic() of the last write
_lock = threading.Lock()
_sending = threading.Lock()  # held while a write is under way


def status() -> dict[str, Any]:
    pending = processing = 0
    for logical in queues.JOB_QUEUES:
        depth = queues.depth(logical)
        pending += depth.get("ApproximateNumberOfMessages", 0) + depth.get("ApproximateNumberOfMessagesDelayed", 0)
        processing += depth.get("ApproximateNumberOfMessagesNotVisible", 0)
    stats = store().job_stats.read()
    heartbeat = stats.heartbeat_at or 0
    alive = heartbeat > 0 and time.time() * 1000 - heartbeat < HEARTBEAT_FRESH_SECONDS * 1000
    return {
        "pending": pending,
        "processing": processing,
        "completed": stats.completed,
        "failed": stats.failed,
        "worker_status": "running" if alive else "stopped",
    }


def count(completed: int, failed: int) -> None:
    with _lock:
        _unwritten["completed"] += completed
        _unwritten["failed"] += failed
        if time.monotonic() - _since < FLUSH_EVERY_SECONDS:
            return
    heartbeat(wait=False)


def heartbeat(wait: bool = True) -> None:
    """Write the counts not yet written, and that the functions are alive.

    A write that fails may have been applied all the same (a timeout after DynamoDB wrote it):
    it stays pending and is sent again with the same id and values, which DynamoDB applies at
    most once, before any new counts go out. Counts never double; a process that ends meanwhile
    loses them (they are statistics, not state). One write at a time: the same write sent twice
    at once gets TransactionInProgressException, which botocore retries for seconds. A batch
    (`wait=False`) that finds a write under way leaves its counts to the next one."""
    if not _sending.acquire(blocking=wait):
        return
    try:
        _send()
    finally:
        _sending.release()


def _send() -> None:
    global _since, _pending
    with _lock:
        if _pending is None:
            _pending = JobStatsWrite(
                uuid.uuid4().hex, _unwritten["completed"], _unwritten["failed"], int(time.time() * 1000)
            )
            _unwritten.update(completed=0, failed=0)
        write = _pending
        _since = time.monotonic()
    store().job_stats.record(write)
    with _lock:
        _pending = None
