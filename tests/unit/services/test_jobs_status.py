"""The job counters' write path: a write whose outcome is unknown is sent again unchanged, so a
retry never double counts and counts that arrive meanwhile wait for the next write."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from chalicelib.services import jobs_status
from chalicelib.store.records import JobStatsWrite
from tests.fakes.store import FakeJobStats

from .conftest import Fakes


class AppliedThenTimedOut:
    """The first write lands in the store but its caller sees a timeout, as after a lost answer."""

    def __init__(self, inner: FakeJobStats) -> None:
        self.inner = inner
        self.sent: list[JobStatsWrite] = []

    def record(self, write: JobStatsWrite) -> None:
        self.sent.append(write)
        self.inner.record(write)
        if len(self.sent) == 1:
            raise TimeoutError("read timeout after the write was applied")

    def read(self):  # the fake's own type
        return self.inner.read()


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    jobs_status._unwritten.update(completed=0, failed=0)
    jobs_status._pending = None
    yield
    jobs_status._unwritten.update(completed=0, failed=0)
    jobs_status._pending = None


def test_a_write_with_an_unknown_outcome_is_resent_unchanged_and_counts_once(fakes: Fakes) -> None:
    flaky = AppliedThenTimedOut(fakes.store.job_stats)
    fakes.store.job_stats = flaky  # type: ignore[assignment]
    jobs_status._unwritten.update(completed=3, failed=1)
    with pytest.raises(TimeoutError):
        jobs_status.heartbeat()
    jobs_status._unwritten["completed"] += 5  # finished while the first write was in doubt
    jobs_status.heartbeat()  # the same write again
    jobs_status.heartbeat()  # then the new counts, under a new id
    first, again, new = flaky.sent
    assert again == first
    assert (new.completed, new.failed) == (5, 0) and new.write_id != first.write_id
    stats = flaky.read()
    assert (stats.completed, stats.failed) == (8, 1)


class Slow:
    """A store whose write takes a while, noting how many run at once."""

    def __init__(self, inner: FakeJobStats) -> None:
        self.inner = inner
        self.running = 0
        self.most = 0
        self.sent: list[JobStatsWrite] = []
        self.lock = threading.Lock()

    def record(self, write: JobStatsWrite) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.sent.append(write)
        time.sleep(0.2)
        self.inner.record(write)
        with self.lock:
            self.running -= 1

    def read(self):  # the fake's own type
        return self.inner.read()


def test_one_write_at_a_time_and_a_batch_never_waits_for_one(fakes: Fakes) -> None:
    """Sending the same write twice at once makes DynamoDB answer TransactionInProgress, which
    botocore retries for seconds while the batch's messages wait to be deleted."""
    slow = Slow(fakes.store.job_stats)
    fakes.store.job_stats = slow  # type: ignore[assignment]
    jobs_status._unwritten["completed"] = 1
    beat = threading.Thread(target=jobs_status.heartbeat)
    beat.start()
    while not slow.sent:
        time.sleep(0.01)
    started = time.monotonic()
    jobs_status._since = 0.0  # as if the last write were long ago
    jobs_status.count(2, 0)  # a batch: finds the write under way and leaves its counts
    assert time.monotonic() - started < 0.1
    beat.join()
    jobs_status.heartbeat()
    assert slow.most == 1
    assert [write.completed for write in slow.sent] == [1, 2]
    assert slow.read().completed == 3


def test_counts_are_summed_over_shards_on_read(fakes: Fakes) -> None:
    for completed in range(1, 21):
        jobs_status._unwritten["completed"] += completed
        jobs_status.heartbeat()
    assert len(fakes.store.tables.job_stats) > 1  # 20 writes spread over several shards
    assert fakes.store.job_stats.read().completed == sum(range(1, 21))
