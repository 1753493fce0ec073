"""Write sharding: how one merchant's writes spread over several index and counter partitions.

A DynamoDB partition takes about 1,000 writes/s. One busy merchant at 2,000 payments/s writes
its by-merchant index entries and counters several times per payment, so those keys carry a
shard suffix chosen from the item's own id: stable (a retry lands on the same shard) and even.
Readers fan out over every shard and merge (lists) or sum (counters). docs/scaling.md derives
these numbers; changing them re-keys stored items, so it takes a migration (infra/migrations).
"""

from __future__ import annotations

import hashlib

LIST_SHARDS = 16
"""Shards of every per-merchant listing index key."""

COUNTER_SHARDS = 16
"""Shards of every counter and per-day statistics row."""

AWAITING_SHARDS = 16
"""Shards of the awaiting index (store/keys.py): every pending payment, refund and delivery has
an entry while it waits, written at creation and deleted by the write that finishes it, so its
partitions take two index writes per item at the gateway's whole rate, not one merchant's."""


def shard_of(item_id: str, shards: int) -> int:
    """The item's shard in 0..shards-1: a stable hash of its id (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(item_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def sharded_key(prefix: str, item_id: str, shards: int) -> str:
    """`prefix#NN`, the partition key of the shard that `item_id` writes to."""
    return f"{prefix}#{shard_of(item_id, shards):02d}"


def every_shard(prefix: str, shards: int) -> list[str]:
    """The partition keys a reader fans out over."""
    return [f"{prefix}#{n:02d}" for n in range(shards)]
