"""Newest-first pages over a (sharded) index: each shard is queried after its own position, in
parallel, and the reads are merged (store/merge.py). A page costs at most `shards` queries of
`limit + 1` items (plus `skip` for the bounded offsets), however many items the merchant has."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from ..domain.cursors import DONE, HORIZON, ShardPosition, start
from ..domain.shards import LIST_SHARDS
from .merge import ShardRead, T, fetch_size, merge
from .records import Page, PageRequest
from .rows import record

FILTERED_READ = 100
"""Items a query evaluates per round trip when a filter drops some of them."""


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    # One query per shard at once: a page takes about one round trip, not LIST_SHARDS of them.
    return ThreadPoolExecutor(max_workers=LIST_SHARDS, thread_name_prefix="list-shard")


def _start_key(index: GlobalSecondaryIndex[Any], hash_key: str, position: tuple[str, str]) -> dict[str, Any]:
    """The ExclusiveStartKey of a position: the table's key and the index's keys. The index hash
    key is always the caller's own, whatever the cursor said."""
    created_at, item_id = position
    index_hash = index._hash_key_attribute().attr_name
    return {"id": {"S": item_id}, index_hash: {"S": hash_key}, "created_at": {"S": created_at}}


def _created_between(
    index: GlobalSecondaryIndex[Any], created_from: str | None, created_to: str | None
) -> Condition | None:
    created_at = next(attribute for attribute in index.Meta.attributes.values() if attribute.is_range_key)
    if created_from and created_to:
        return created_at.between(created_from, created_to)
    if created_from:
        return created_at >= created_from
    if created_to:
        return created_at <= created_to
    return None


def _read_shard(
    kind: type[T],
    index: GlobalSecondaryIndex[Any],
    hash_key: str,
    position: ShardPosition,
    wanted: int,
    created_from: str | None,
    created_to: str | None,
    filter_condition: Condition | None,
    build: Callable[[Any], T] | None = None,
) -> ShardRead[T]:
    if position == DONE:
        return ShardRead([], complete=True)
    size = fetch_size(wanted)
    start_key = None
    if position and position[1] == HORIZON:
        created_to = min(created_to, position[0]) if created_to else position[0]
    elif position:
        start_key = _start_key(index, hash_key, position)
    range_condition = _created_between(index, created_from, created_to)
    query = index.query(
        hash_key,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        scan_index_forward=False,
        limit=size,
        page_size=max(size, FILTERED_READ) if filter_condition is not None else size,
        last_evaluated_key=start_key,
    )
    items = [build(model) if build else record(kind, model) for model in query]
    return ShardRead(items, complete=len(items) < size)


def newest_first(
    kind: type[T],
    index: GlobalSecondaryIndex[Any],
    hash_keys: Sequence[str],
    request: PageRequest,
    total: int | None,
    created_from: str | None = None,
    created_to: str | None = None,
    filter_condition: Condition | None = None,
    build: Callable[[Any], T] | None = None,
) -> Page[T]:
    """`created_from`/`created_to`: an inclusive time range, a key condition on created_at.
    `build`: how a row becomes its record, where `rows.record` is not the whole story."""
    positions = request.after or start(len(hash_keys))
    wanted = request.skip + request.limit
    if len(hash_keys) == 1:
        reads = [
            _read_shard(
                kind, index, hash_keys[0], positions[0], wanted, created_from, created_to, filter_condition, build
            )
        ]
    else:
        reads = list(
            _pool().map(
                lambda shard: _read_shard(
                    kind,
                    index,
                    hash_keys[shard],
                    positions[shard],
                    wanted,
                    created_from,
                    created_to,
                    filter_condition,
                    build,
                ),
                range(len(hash_keys)),
            )
        )
    merged = merge(reads, positions, request.skip, request.limit)
    return Page(merged.items, total, merged.next)


def count_matching(
    index: GlobalSecondaryIndex[Any],
    hash_keys: Sequence[str],
    range_condition: Condition | None,
    filter_condition: Condition | None,
) -> int:
    """How many items of these (sharded) index keys match: a Select=COUNT query per shard, at
    once. DynamoDB reads the items to count them, but none travels back."""
    counted = _pool().map(
        lambda key: index.count(key, range_key_condition=range_condition, filter_condition=filter_condition),
        hash_keys,
    )
    return sum(counted)
