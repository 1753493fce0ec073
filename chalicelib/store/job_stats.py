"""The counters and heartbeat the functions keep, over COUNTER_SHARDS rows per stage.

One row written by every function instance would be a hot partition at scale (a partition
takes about 1,000 writes/s); each write goes to the shard its write id hashes to, and a read
sums the shards in one BatchGetItem. Each write is a one-item transaction whose
ClientRequestToken is the write id: DynamoDB applies a retried write (same id, same values)
once, within its ten-minute idempotency window, so a retry cannot double count.
"""

from __future__ import annotations

from ..domain.shards import COUNTER_SHARDS, every_shard, sharded_key
from .models import JobStatsModel
from .records import JobStats, JobStatsWrite
from .transactions import idempotent_update

ROW = "jobs"


def record(write: JobStatsWrite) -> None:
    """The counts and the heartbeat together, in one write to the write id's shard."""
    row = JobStatsModel(sharded_key(ROW, write.write_id, COUNTER_SHARDS))
    idempotent_update(
        row,
        [
            JobStatsModel.completed.add(write.completed),
            JobStatsModel.failed.add(write.failed),
            JobStatsModel.heartbeat_at.set(write.at_ms),
        ],
        token=write.write_id,
    )


def read() -> JobStats:
    """The shards summed; the heartbeat is the latest any shard holds."""
    completed = failed = 0
    heartbeat: int | None = None
    for row in JobStatsModel.batch_get(every_shard(ROW, COUNTER_SHARDS), consistent_read=True):
        completed += int(row.completed or 0)
        failed += int(row.failed or 0)
        if row.heartbeat_at is not None:
            heartbeat = max(heartbeat or 0, int(row.heartbeat_at))
    return JobStats(completed, failed, heartbeat)
