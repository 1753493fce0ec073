"""Merging the shards of a list into one newest-first page, and where each shard continues.

Pure: the DynamoDB store (store/paging.py) and the in-memory fake (tests/fakes) both read each
shard newest first, up to `wanted + 1` items after the shard's position, and hand the reads here.
A page takes items from the shards' heads, always the newest head (ties: the lower shard), so
what it takes from a shard is a prefix of that shard's own order; the shard's next position is
the last item taken. That is what makes the next page continue exactly, with no duplicate and no
gap, whatever ties created_at has across or within shards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from ..domain.cursors import DONE, HORIZON, Positions, ShardPosition


class Listed(Protocol):
    """A record that lists: a dataclass with an id and a creation time."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> str: ...


T = TypeVar("T", bound=Listed)


@dataclass(frozen=True)
class ShardRead(Generic[T]):
    """What one shard returned after its position: newest first, up to `wanted + 1` items;
    `complete` when there is nothing after the last of them."""

    items: Sequence[T]
    complete: bool


@dataclass(frozen=True)
class Merged(Generic[T]):
    items: list[T]
    next: Positions | None  # None: nothing follows this page


def fetch_size(wanted: int) -> int:
    """Items to read from each shard: one more than a page can take, so that has_more is exact."""
    return wanted + 1


def merge(reads: Sequence[ShardRead[T]], positions: Positions, skip: int, limit: int) -> Merged[T]:
    """Take `skip + limit` items newest first from the shards' reads; return the last `limit`."""
    taken = [0] * len(reads)
    out: list[T] = []
    for _ in range(skip + limit):
        best = -1
        for shard, read in enumerate(reads):
            if taken[shard] < len(read.items) and (
                best < 0 or read.items[taken[shard]].created_at > reads[best].items[taken[best]].created_at
            ):
                best = shard
        if best < 0:
            break
        out.append(reads[best].items[taken[best]])
        taken[best] += 1
    following: list[ShardPosition] = []
    more = False
    for shard, read in enumerate(reads):
        left = len(read.items) - taken[shard]
        if left > 0 or not read.complete:
            more = True
        if left == 0 and read.complete:
            following.append(DONE)
        elif taken[shard]:
            last = read.items[taken[shard] - 1]
            following.append((last.created_at, last.id))
        elif out and (positions[shard] is None or positions[shard][1] == HORIZON):  # type: ignore[index]
            following.append((out[-1].created_at, HORIZON))
        else:
            following.append(positions[shard])
    return Merged(out[skip:], tuple(following) if more else None)
