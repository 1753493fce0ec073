"""The delivery log as merchants see it, and their manual retries."""

from __future__ import annotations

from typing import Any

from .. import queues
from ..domain import deliveries as rules
from ..domain.errors import NotFound
from ..store import store
from ..store.records import Delivery
from . import entities
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
    # The message goes first: if the reset below never happens, the message retires itself.
    queues.send(queues.WEBHOOK_DELIVERIES, job(delivery, generation))
    for _ in range(RESET_ATTEMPTS):
        # The reset is conditioned on the status it read (its counters move from that status):
        # an attempt recorded meanwhile changes it, so read again; another retry taking this
        # generation first ends it.
        if store().deliveries.reset_for_retry(delivery, generation):
            break
        delivery = _owned(merchant_id, delivery_id)
        if delivery.generation != generation - 1:
            break
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}
