"""The attempts this process is making, or has just made, so that a message received again by the
same process neither POSTs beside its first receipt nor after it.

Why it exists: the engine has no claim (one write per attempt, docs/decisions.md), so only the
message's visibility keeps two receipts of one attempt apart. On AWS the visibility timeout
outlives the function's timeout, which outlives the attempt's deadline: a receipt never overlaps
its redelivery on the normal path. Locally one functions process receives everything, and the
test stacks shorten the visibility to 3 s to make crash redelivery quick; a cold start slower
than that (seen: 16 s on a loaded machine) had the same message received four times and POSTed
four times at once. This guard makes such receipts wait for the first and then retire, without a
read or a write. It is in memory on purpose: it is no claim across processes or containers, and
a crash forgets it (then the conditional write is what keeps counts exact).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

RECENT = 4096  # attempts remembered as done: far more than a batch, and a few hundred KB at most

Key = tuple[str, int, int]

IN_FLIGHT, DONE = "in_flight", "done"


class Receipts:
    def __init__(self, recent: int = RECENT) -> None:
        self._lock = threading.Lock()
        self._in_flight: set[Key] = set()
        self._done: OrderedDict[Key, None] = OrderedDict()
        self._recent = recent

    def begin(self, key: Key) -> str | None:
        """None: this receipt makes the attempt (call end() after). IN_FLIGHT: another receipt in
        this process is making it now. DONE: it was made here and finished."""
        with self._lock:
            if key in self._done:
                return DONE
            if key in self._in_flight:
                return IN_FLIGHT
            self._in_flight.add(key)
            return None

    def end(self, key: Key, finished: bool) -> None:
        """`finished`: the attempt reached its outcome (recorded, superseded or skipped); not when
        it raised, so that its redelivery tries again."""
        with self._lock:
            self._in_flight.discard(key)
            if finished:
                self._done[key] = None
                while len(self._done) > self._recent:
                    self._done.popitem(last=False)

    def forget(self, key: Key) -> None:
        """The attempt's outcome did not leave the process (a message it sent was refused): its
        redelivery must make it again, as after a crash."""
        with self._lock:
            self._done.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._in_flight.clear()
            self._done.clear()


def key_of(job: dict[str, Any]) -> Key:
    """One attempt of one delivery: its id, its generation and the attempts recorded before it."""
    return (str(job["delivery_id"]), int(job.get("generation", 0)), int(job.get("attempt", 0)))


receipts = Receipts()
