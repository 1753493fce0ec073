"""How much work is queued, running and done, and whether the functions are alive."""

from __future__ import annotations

import threading
import time

from .. import queues
from ..store import job_stats

HEARTBEAT_FRESH_SECONDS = 15
# Counts are added up in the process and written at most once a second (or with the heartbeat):
# one write per batch was a fifth of the emulator's work under load. A process that ends within
# that second loses its last counts; they are statistics, not state.
FLUSH_EVERY_SECONDS = 1.0

_unwritten = {"completed": 0, "failed": 0, "since": 0.0}
_lock = threading.Lock()


def status() -> dict:
    pending = processing = 0
    for logical in queues.JOB_QUEUES:
        depth = queues.depth(logical)
        pending += depth.get("ApproximateNumberOfMessages", 0) + depth.get("ApproximateNumberOfMessagesDelayed", 0)
        processing += depth.get("ApproximateNumberOfMessagesNotVisible", 0)
    stats = job_stats.read()
    heartbeat = int(stats.heartbeat_at or 0)
    alive = heartbeat and time.time() * 1000 - heartbeat < HEARTBEAT_FRESH_SECONDS * 1000
    return {
        "pending": pending,
        "processing": processing,
        "completed": int(stats.completed or 0),
        "failed": int(stats.failed or 0),
        "worker_status": "running" if alive else "stopped",
    }


def count(completed: int, failed: int) -> None:
    with _lock:
        _unwritten["completed"] += completed
        _unwritten["failed"] += failed
        if time.monotonic() - _unwritten["since"] < FLUSH_EVERY_SECONDS:
            return
    heartbeat()


def heartbeat() -> None:
    """Write the counts not yet written, and that the functions are alive."""
    with _lock:
        completed, failed = _unwritten["completed"], _unwritten["failed"]
        _unwritten.update(completed=0, failed=0, since=time.monotonic())
    try:
        job_stats.record(completed, failed)
    except Exception:
        with _lock:  # keep them for the next write
            _unwritten["completed"] += completed
            _unwritten["failed"] += failed
        raise
