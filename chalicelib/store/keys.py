"""The listing keys an item carries beside its own fields: which shard of its merchant's list it
is in, and of its merchant's list by status. Derived from the record, never stored in it."""

from __future__ import annotations

from ..domain.shards import LIST_SHARDS, every_shard, sharded_key

MERCHANT_KEY = "merchant_shard"
STATUS_KEY = "merchant_status_shard"


def merchant_key(merchant_id: str, item_id: str) -> str:
    return sharded_key(merchant_id, item_id, LIST_SHARDS)


def status_key(merchant_id: str, status: str, item_id: str) -> str:
    return sharded_key(f"{merchant_id}#{status}", item_id, LIST_SHARDS)


def merchant_keys(merchant_id: str) -> list[str]:
    return every_shard(merchant_id, LIST_SHARDS)


def status_keys(merchant_id: str, status: str) -> list[str]:
    return every_shard(f"{merchant_id}#{status}", LIST_SHARDS)
