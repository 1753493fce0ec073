"""How much work is queued, running and done, and whether the functions are alive."""
from __future__ import annotations

import time

from .. import queues
from ..store import job_stats

HEARTBEAT_FRESH_SECONDS = 15


def status() -> dict:
    pending = processing = 0
    for logical in queues.JOB_QUEUES:
        depth = queues.depth(logical)
        pending += depth.get("ApproximateNumberOfMessages", 0) + depth.get("ApproximateNumberOfMessagesDelayed", 0)
        processing += depth.get("ApproximateNumberOfMessagesNotVisible", 0)
    stats = job_stats.read()
    heartbeat = int(stats.heartbeat_at or 0)
    alive = heartbeat and time.time() * 1000 - heartbeat < HEARTBEAT_FRESH_SECONDS * 1000
    return {"pending": pending, "processing": processing, "completed": int(stats.completed or 0),
            "failed": int(stats.failed or 0), "worker_status": "running" if alive else "stopped"}


def heartbeat() -> None:
    job_stats.record(0, 0)
