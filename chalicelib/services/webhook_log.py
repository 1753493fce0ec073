"""The delivery log as merchants see it, and their manual retries."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from .. import queues
from ..domain import deliveries as rules
from ..domain.errors import NotFound
from ..store import store
from ..store.records import Delivery
from . import entities
from .after_commit import enqueue_after_commit
from .listing import PER_MERCHANT, Listing, paging
from .webhook_events import job


def _owned(merchant_id: str, delivery_id: str) -> Delivery:
    delivery = store().deliveries.get(delivery_id)
    if delivery is None or delivery.merchant_id != merchant_id:
        raise NotFound("Webhook delivery not found", "id")
    return delivery


def get(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    return entities.delivery_detail(_owned(merchant_id, delivery_id))


def list_deliveries(
    merchant_id: str, limit: int, offset: int, cursor: str | None, status: str | None, event: str | None
) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "webhooks", status, event)
    page = store().deliveries.list_for_merchant(merchant_id, paged.request(), status, event)
    return paged.listing(page, entities.delivery)


RESET_ATTEMPTS = 3


def retry_now(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    delivery = _owned(merchant_id, delivery_id)
    reschedule(delivery)
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}


def reschedule(delivery: Delivery) -> bool:
    """Start `delivery`'s attempts again, now, under a new generation, and queue its job (built
    from the item, payload included) once that is saved: messages of older generations lose
    their write's condition and retire. True when this call rescheduled it; False when another
    retry or replay took the generation first (it sends its own message) or it is gone.
    Shared by the manual retry and the bulk replay: keep its contract."""
    generation = delivery.generation + 1
    current: Delivery | None = delivery
    for _ in range(RESET_ATTEMPTS):
        assert current is not None
        # The reset is conditioned on the status it read (its counters move from that status):
        # an attempt recorded meanwhile changes it, so read again; another retry taking this
        # generation first ends it (and sends its own message).
        if store().deliveries.reset_for_retry(current, generation):
            reset = replace(
                current, generation=generation, round_start=current.attempts, status=rules.PENDING, next_retry_at=None
            )
            # Committed first, queued after: the reset delivery waits in the awaiting index, so a
            # send that fails is the reconciler's to repeat (services/after_commit.py).
            send = partial(queues.send, queues.WEBHOOK_DELIVERIES, job(reset, generation, fan_out=False))
            enqueue_after_commit("event", current.id, send)
            return True
        current = store().deliveries.get(delivery.id)
        if current is None or current.generation != generation - 1:
            return False
    return False
