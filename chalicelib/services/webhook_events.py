"""Webhook events: recording them with the change they announce, and queueing their delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .. import queues
from ..config import settings
from ..domain import clock
from ..domain import deliveries as rules
from ..domain.endpoints import ENDPOINT_DISABLED, Endpoint, default_endpoint_id, is_default
from ..domain.events import WEBHOOK_TEST, encode_payload, event_id, test_event_id
from ..domain.ids import derived_id
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
    """The event and its default endpoint's pending delivery, built once: the payload bytes
    never change after. The item is the event log too: other endpoints' deliveries copy it."""
    timestamp = int(when.timestamp())
    record_id = delivery_id or event_id(entity["id"], event_type)
    return Delivery(
        id=record_id,
        merchant_id=merchant_id,
        event=event_type,
        entity_id=entity["id"],
        timestamp=timestamp,
        payload=encode_payload(event_type, timestamp, {entity_kind: entity}),
        status=rules.PENDING,
        created_at=clock.iso(when),
        endpoint_id=default_endpoint_id(merchant_id),
        event_id=record_id,
        expires_at=expiry(when),
    )


def endpoint_disabled_record(merchant_id: str, endpoint: Endpoint, reason: str, at: datetime) -> Delivery:
    """The endpoint.disabled event, recorded with the disable (one transaction): its id derives
    from the endpoint and the moment, so a retried disable finds the first one's event."""
    entity = {"id": endpoint.id, "url": endpoint.url, "reason": reason, "disabled_at": clock.iso(at)}
    return event_record(
        merchant_id,
        ENDPOINT_DISABLED,
        "endpoint",
        entity,
        at,
        delivery_id=derived_id("evt", endpoint.id, clock.iso(at)),
    )


def expiry(created: datetime) -> datetime:
    """When a delivery created at `created` leaves the log (WEBHOOK_RETENTION_DAYS)."""
    return created.replace(microsecond=0) + timedelta(days=settings().webhook_retention_days)


def endpoint_of(record: Delivery) -> str:
    return record.endpoint_id or default_endpoint_id(record.merchant_id)


def job(
    record: Delivery,
    generation: int,
    *,
    attempt: int | None = None,
    due_at: str | None = None,
    fan_out: bool | None = None,
) -> dict[str, Any]:
    """The delivery message, which carries everything an attempt needs (the payload included):
    the delivery function reads nothing per message. `generation` tells a manual retry's
    messages from older ones; `attempt` is the attempts already recorded (the condition of the
    next one's write), `round_start` those recorded before this generation; `due_at` holds a
    retry until its time; `fan_out` marks the event's first message, which queues the
    deliveries to the merchant's other endpoints. By default a default delivery never attempted
    and never retried by hand fans out (a first message, or the reconciler's for one whose
    first message was lost)."""
    attempts = record.attempts if attempt is None else attempt
    message: dict[str, Any] = {
        "delivery_id": record.id,
        "event_id": record.event_id or record.id,
        "merchant_id": record.merchant_id,
        "endpoint_id": endpoint_of(record),
        "event": record.event,
        "entity_id": record.entity_id,
        "timestamp": record.timestamp,
        "created_at": record.created_at,
        "payload": record.payload,
        "generation": generation,
        "attempt": attempts,
        "round_start": record.round_start,
    }
    if due_at:
        message["due_at"] = due_at
    if fan_out is None:
        fan_out = is_default(record.merchant_id, endpoint_of(record)) and attempts == 0 and generation == 0

    if fan_out:
        message["fan_out"] = True
    return message


def delivery_of(message: dict[str, Any]) -> Delivery:
    """The delivery as the message's sender saw it: what the attempt's conditional write checks."""
    created_at = str(message["created_at"])
    return Delivery(
        id=str(message["delivery_id"]),
        merchant_id=str(message["merchant_id"]),
        event=str(message["event"]),
        entity_id=str(message["entity_id"]),
        timestamp=int(message["timestamp"]),
        payload=str(message["payload"]),
        status=rules.PENDING,
        created_at=created_at,
        attempts=int(message.get("attempt", 0)),
        generation=int(message.get("generation", 0)),
        round_start=int(message.get("round_start", 0)),
        endpoint_id=str(message["endpoint_id"]),
        event_id=str(message["event_id"]),
        expires_at=expiry(clock.parse_iso(created_at)),
    )


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
