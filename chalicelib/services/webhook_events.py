"""Webhook events: recording them with the change they announce, and queueing their delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import queues
from ..domain import clock
from ..domain import deliveries as rules
from ..domain.events import WEBHOOK_TEST, encode_payload, event_id, test_event_id
from ..store import store
from ..store.records import Delivery, Merchant
from .after_commit import enqueue_after_commit


def event_record(
    merchant_id: str,
    event_type: str,
    entity_kind: str,
    entity: dict[str, Any],
    when: datetime,
    delivery_id: str | None = None,
) -> Delivery:
    """The event and its pending delivery, built once: the payload bytes never change after."""
    timestamp = int(when.timestamp())
    return Delivery(
        id=delivery_id or event_id(entity["id"], event_type),
        merchant_id=merchant_id,
        event=event_type,
        entity_id=entity["id"],
        timestamp=timestamp,
        payload=encode_payload(event_type, timestamp, {entity_kind: entity}),
        status=rules.PENDING,
        created_at=clock.iso(when),
    )


def job(record: Delivery, generation: int) -> dict[str, Any]:
    """The delivery message: `generation` tells a manual retry's messages from older ones."""
    return {
        "delivery_id": record.id,
        "merchant_id": record.merchant_id,
        "event": record.event,
        "generation": generation,
    }


def dispatch(records: list[Delivery]) -> None:
    dispatch_jobs([job(record, record.generation) for record in records])


def dispatch_jobs(jobs: list[dict[str, Any]]) -> None:
    queues.send_many(queues.WEBHOOK_DELIVERIES, jobs)


def dispatch_if_unattempted(delivery_ids: list[str]) -> None:
    """After a crash, queue again any recorded event whose delivery never started. A duplicate
    message is harmless: attempts are claimed under a condition, so it waits, then retires."""
    deliveries = store().deliveries
    waiting = [
        record
        for record in (deliveries.get(i) for i in delivery_ids)
        if record is not None and record.status == rules.PENDING and not record.attempts
    ]
    if waiting:
        dispatch(waiting)


def send_test(merchant: Merchant) -> dict[str, Any]:
    now = clock.now()
    record = event_record(
        merchant.id,
        WEBHOOK_TEST,
        "test",
        {"id": merchant.id, "message": "This is a test webhook from the gateway"},
        now,
        delivery_id=test_event_id(),
    )
    if not store().deliveries.create(record):
        raise RuntimeError(f"a test event {record.id} exists already")  # random ids: never expected
    enqueue_after_commit("event", record.id, lambda: dispatch([record]))
    return {"id": record.id, "status": rules.PENDING, "message": "Test webhook scheduled"}
