"""The awaiting index: pending payments, refunds and deliveries by when their work is due.

Sparse: a pending item gets its keys when written (store/rows.py), the write that finishes it
removes them (payments.finalize, refunds.finalize, the deliveries' final states), so the index
holds only what waits, and a query for what is overdue reads only that, never the table.
"""

from __future__ import annotations

from typing import Any

from ..domain.shards import AWAITING_SHARDS
from .conditions import written
from .keys import AWAITING_PREFIX, PENDING
from .models import DeliveryModel, PaymentModel, RefundModel
from .records import Awaited, AwaitedPage, Delivery, Payment, Refund, WorkKind
from .rows import record

_TABLES: dict[WorkKind, tuple[Any, type[Payment] | type[Refund] | type[Delivery]]] = {
    "payment": (PaymentModel, Payment),
    "refund": (RefundModel, Refund),
    "delivery": (DeliveryModel, Delivery),
}


def _shard_key(shard: int) -> str:
    if not 0 <= shard < AWAITING_SHARDS:
        raise ValueError(f"no awaiting shard {shard}")
    return f"{AWAITING_PREFIX}#{shard:02d}"


def due(kind: WorkKind, shard: int, due_by_ms: int, limit: int, after: Awaited | None = None) -> AwaitedPage:
    model, _ = _TABLES[kind]
    key = _shard_key(shard)
    start = (
        {"id": {"S": after.id}, "awaiting_shard": {"S": key}, "awaiting_due": {"N": str(after.due_ms)}}
        if after is not None
        else None
    )
    results = model.awaiting.query(
        key, model.awaiting_due <= due_by_ms, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items = [Awaited(kind, found.id, int(found.awaiting_due)) for found in results]
    more = len(items) == limit and results.last_evaluated_key is not None
    return AwaitedPage(items, items[-1] if more else None)


def claim(item: Awaited, next_due_ms: int) -> Payment | Refund | Delivery | None:
    model_class, kind = _TABLES[item.kind]
    model = model_class(item.id)
    claimed = written(
        lambda: model.update(
            actions=[model_class.awaiting_due.set(next_due_ms)],
            condition=(model_class.awaiting_due == item.due_ms) & (model_class.status == PENDING),
        )
    )
    return record(kind, model) if claimed else None
