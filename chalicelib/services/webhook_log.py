"""The delivery log as merchants see it, and their manual retries."""

from __future__ import annotations

from typing import Any

from .. import queues
from ..domain import deliveries as rules
from ..domain.errors import NotFound
from ..store import store
from ..store.records import Delivery
from . import entities
from .webhook_events import job


def _owned(merchant_id: str, delivery_id: str) -> Delivery:
    delivery = store().deliveries.get(delivery_id)
    if delivery is None or delivery.merchant_id != merchant_id:
        raise NotFound("Webhook delivery not found", "id")
    return delivery


def get(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    return entities.delivery_detail(_owned(merchant_id, delivery_id))


def list_deliveries(
    merchant_id: str, limit: int, offset: int, status: str | None, event: str | None
) -> tuple[list[dict[str, Any]], int]:
    page = store().deliveries.list_for_merchant(merchant_id, limit, offset, status, event)
    return [entities.delivery(item) for item in page.items], page.total


def retry_now(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    delivery = _owned(merchant_id, delivery_id)
    generation = delivery.generation + 1
    # The message goes first: if the reset below never happens, the message retires itself.
    queues.send(queues.WEBHOOK_DELIVERIES, job(delivery, generation))
    store().deliveries.reset_for_retry(delivery.id, generation)
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}
