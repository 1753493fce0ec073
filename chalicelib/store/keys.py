"""The listing keys an item carries beside its own fields: which shard of its merchant's list it
is in, and of its merchant's list by status. Derived from the record, never stored in it."""

from __future__ import annotations

from typing import Any

from ..domain import clock
from ..domain.shards import AWAITING_SHARDS, LIST_SHARDS, every_shard, sharded_key

MERCHANT_KEY = "merchant_shard"
STATUS_KEY = "merchant_status_shard"
AWAITING_KEY = "awaiting_shard"
AWAITING_DUE = "awaiting_due"
AWAITING_PREFIX = "awaiting"
PENDING = "pending"  # the status every waiting payment, refund and delivery has


def merchant_key(merchant_id: str, item_id: str) -> str:
    return sharded_key(merchant_id, item_id, LIST_SHARDS)


def status_key(merchant_id: str, status: str, item_id: str) -> str:
    return sharded_key(f"{merchant_id}#{status}", item_id, LIST_SHARDS)


def merchant_keys(merchant_id: str) -> list[str]:
    return every_shard(merchant_id, LIST_SHARDS)


def status_keys(merchant_id: str, status: str) -> list[str]:
    return every_shard(f"{merchant_id}#{status}", LIST_SHARDS)


def awaiting_key(item_id: str) -> str:
    """The awaiting index's partition an item waits in, while it is pending."""
    return sharded_key(AWAITING_PREFIX, item_id, AWAITING_SHARDS)


def awaiting_keys() -> list[str]:
    return every_shard(AWAITING_PREFIX, AWAITING_SHARDS)


def epoch_ms(iso_time: str) -> int:
    return int(clock.parse_iso(iso_time).timestamp() * 1000)


def awaiting_due(values: dict[str, Any]) -> int:
    """When a new pending item's work is due (epoch ms): a payment's or refund's processing time,
    a delivery's next retry, else its creation. The reconciler calls it stranded once this is
    older than the grace (services/reconcile.py)."""
    if values.get("process_after_ms"):
        return int(values["process_after_ms"])
    return epoch_ms(values.get("next_retry_at") or values["created_at"])
