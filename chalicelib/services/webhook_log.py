"""The delivery log as merchants see it, and their manual retries."""

from __future__ import annotations

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
    generation = delivery.generation + 1
    for _ in range(RESET_ATTEMPTS):
        # The reset is conditioned on the status it read (its counters move from that status):
        # an attempt recorded meanwhile changes it, so read again; another retry taking this
        # generation first ends it (and sends its own message).
        if store().deliveries.reset_for_retry(delivery, generation):
            # Committed first, queued after: the reset delivery waits in the awaiting index, so a
            # send that fails is the reconciler's to repeat (services/after_commit.py).
            send = partial(queues.send, queues.WEBHOOK_DELIVERIES, job(delivery, generation))
            enqueue_after_commit("event", delivery.id, send)
            break
        delivery = _owned(merchant_id, delivery_id)
        if delivery.generation != generation - 1:
            break
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}
