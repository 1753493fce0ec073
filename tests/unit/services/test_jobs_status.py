"""The job counters' write path: a write whose outcome is unknown is sent again unchanged, so a
retry never double counts and counts that arrive meanwhile wait for the next write."""

from __future__ import annotations

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


def test_counts_are_summed_over_shards_on_read(fakes: Fakes) -> None:
    for completed in range(1, 21):
        jobs_status._unwritten["completed"] += completed
        jobs_status.heartbeat()
    assert len(fakes.store.tables.job_stats) > 1  # 20 writes spread over several shards
    assert fakes.store.job_stats.read().completed == sum(range(1, 21))
