"""The counters and heartbeat the functions keep, one row per stage."""

from __future__ import annotations

import time

from . import rows
from .models import JobStatsModel
from .records import JobStats

ROW = "jobs"


def record(completed: int, failed: int) -> None:
    """One write per batch: the counts and the heartbeat together."""
    JobStatsModel(ROW).update(
        actions=[
            JobStatsModel.completed.add(completed),
            JobStatsModel.failed.add(failed),
            JobStatsModel.heartbeat_at.set(int(time.time() * 1000)),
        ]
    )


def read() -> JobStats:
    try:
        return rows.record(JobStats, JobStatsModel.get(ROW, consistent_read=True))
    except JobStatsModel.DoesNotExist:
        return JobStats()
