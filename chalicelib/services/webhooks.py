"""Webhook events: recording them, queueing their delivery, delivering, and the delivery log."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import queues
from ..config import settings
from ..domain import clock, retry
from ..domain import deliveries as rules
from ..domain.errors import NotFound
from ..domain.events import WEBHOOK_TEST, encode_payload, event_id, test_event_id
from ..domain.signing import signature_headers
from ..faults import fault_point
from ..store import deliveries as store
from ..store import merchants as merchant_store
from ..store.models import DeliveryModel, MerchantModel
from . import entities, merchants
from .webhook_http import post


def event_record(
    merchant_id: str, event_type: str, entity_kind: str, entity: dict, when: datetime, delivery_id: str | None = None
) -> DeliveryModel:
    """The event and its pending delivery, built once: the payload bytes never change after."""
    timestamp = int(when.timestamp())
    payload = encode_payload(event_type, timestamp, {entity_kind: entity})
    return store.new(
        delivery_id or event_id(entity["id"], event_type),
        merchant_id,
        event_type,
        entity["id"],
        timestamp,
        payload,
        clock.iso(when),
    )


def _job(record: DeliveryModel, generation: int) -> dict:
    return {
        "delivery_id": record.id,
        "merchant_id": record.merchant_id,
        "event": record.event,
        "generation": generation,
    }


def dispatch(records: list[DeliveryModel]) -> None:
    queues.send_many(queues.WEBHOOK_DELIVERIES, [_job(record, int(record.generation or 0)) for record in records])


def dispatch_if_unattempted(delivery_ids: list[str]) -> None:
    """After a crash, queue again any recorded event whose delivery never started. A duplicate
    message is harmless: attempts are claimed under a condition, so it waits, then retires."""
    waiting = [
        record
        for record in (store.get(i) for i in delivery_ids)
        if record is not None and record.status == rules.PENDING and not record.attempts
    ]
    if waiting:
        dispatch(waiting)


# What one delivery job concluded: finished (the message can go), or try again after a wait.
@dataclass(frozen=True)
class Finished:
    status: str


@dataclass(frozen=True)
class RetryAfter:
    seconds: int


ORPHAN_AFTER_SECONDS = 60
LEASE_GRACE_SECONDS = 5
EARLY_WAKE_TOLERANCE = timedelta(milliseconds=500)


def read_merchants(jobs: list[dict]) -> dict[str, MerchantModel]:
    """The merchants of a batch of delivery jobs, read once for the batch: fresh enough that a
    changed URL or secret applies to the next batch, and one call instead of one per record."""
    return merchant_store.get_many({job["merchant_id"] for job in jobs})


def deliver(job: dict, message_age_seconds: float, merchants_read: dict | None = None) -> Finished | RetryAfter:
    """One attempt, in two writes on the usual path: claim the attempt (which returns the
    delivery), then record the outcome. The merchant comes from `merchants_read` (see
    read_merchants), or is read now."""
    merchant = (
        merchants_read.get(job["merchant_id"]) if merchants_read is not None else merchant_store.get(job["merchant_id"])
    )
    generation = int(job.get("generation", 0))
    skip = _skip_reason(job.get("event"), merchant)
    if skip:
        if store.mark_skipped(job["delivery_id"], generation, skip):
            return Finished(rules.SKIPPED)
        return _why_not(job, generation, message_age_seconds)
    started = clock.now()
    now_ms = int(started.timestamp() * 1000)
    lease_ms = int((settings().webhook_timeout_seconds + LEASE_GRACE_SECONDS) * 1000)
    delivery = store.claim(
        job["delivery_id"], generation, now_ms, lease_ms, due_by=clock.iso(started + EARLY_WAKE_TOLERANCE)
    )
    if delivery is None:
        return _why_not(job, generation, message_age_seconds)
    return _attempt(delivery, merchant, started)


def _why_not(job: dict, generation: int, message_age_seconds: float) -> Finished | RetryAfter:
    """The claim (or skip) was refused: read the delivery to decide what this message does."""
    delivery = store.get(job["delivery_id"])
    if delivery is None:
        return Finished("missing")
    if generation > int(delivery.generation or 0):
        # The manual retry that sent this has not saved its reset yet, or crashed before it.
        return Finished("orphaned") if message_age_seconds > ORPHAN_AFTER_SECONDS else RetryAfter(1)
    if generation < int(delivery.generation or 0) or delivery.status in rules.FINAL_STATES:
        return Finished(delivery.status)  # superseded by a manual retry, or already done
    now = clock.now()
    waits = [
        (clock.parse_iso(delivery.next_retry_at) - now).total_seconds() if delivery.next_retry_at else 0,
        (int(delivery.lease_until or 0) - now.timestamp() * 1000) / 1000,
    ]
    # Woken early (a duplicate), or another message holds the attempt in flight (or crashed
    # holding it): look again once that has passed.
    return RetryAfter(max(1, math.ceil(max(waits))))


def _skip_reason(event: str | None, merchant: MerchantModel | None) -> str | None:
    if merchant is None or not merchant.webhook_url:
        return "no_webhook_url"
    subscribed = merchant.webhook_events
    if subscribed and event and event != WEBHOOK_TEST and event not in subscribed:
        return "not_subscribed"
    return None


def _attempt(delivery: DeliveryModel, merchant: MerchantModel, started) -> Finished | RetryAfter:
    headers = {}
    secret = merchants.webhook_secret(merchant)
    if secret:
        headers = signature_headers(secret, delivery.id, int(started.timestamp()), delivery.payload)
    fault_point("delivery.before_post", delivery.id)
    seen = post(
        merchant.webhook_url,
        delivery.payload.encode(),
        headers,
        settings().webhook_timeout_seconds,
        settings().webhook_block_private_urls,
    )
    fault_point("delivery.after_post", delivery.id)
    number = int(delivery.attempts or 0) + 1
    next_retry_at = None
    if rules.is_delivered(seen.response_code):
        status = rules.SUCCESS
    else:
        wait = retry.wait_before_attempt(number + 1, settings().webhook_retry_intervals_test)
        status = rules.FAILED if wait is None else rules.PENDING
        if wait is not None:
            next_retry_at = started + timedelta(seconds=wait)
    attempt = {
        "number": number,
        "at": clock.iso(started),
        "url": merchant.webhook_url,
        "response_code": seen.response_code,
        "response_body": seen.response_body,
        "error": seen.error,
        "duration_ms": seen.duration_ms,
    }
    owned = store.record_attempt(delivery, attempt, status, clock.iso(next_retry_at) if next_retry_at else None)
    fault_point("delivery.after_record", delivery.id)
    if not owned:
        return Finished("superseded")  # a manual retry replaced this attempt meanwhile
    if next_retry_at is not None:
        return RetryAfter(max(0, round((next_retry_at - clock.now()).total_seconds())))
    return Finished(status)


# The delivery log, as merchants see it.


def _owned(merchant_id: str, delivery_id: str) -> DeliveryModel:
    delivery = store.get(delivery_id)
    if delivery is None or delivery.merchant_id != merchant_id:
        raise NotFound("Webhook delivery not found", "id")
    return delivery


def get(merchant_id: str, delivery_id: str) -> dict:
    return entities.delivery_detail(_owned(merchant_id, delivery_id))


def list_deliveries(merchant_id: str, limit: int, offset: int, status: str | None, event: str | None):
    page = store.list_for_merchant(merchant_id, limit, offset, status, event)
    return [entities.delivery(item) for item in page.items], page.total


def retry_now(merchant_id: str, delivery_id: str) -> dict:
    delivery = _owned(merchant_id, delivery_id)
    generation = int(delivery.generation or 0) + 1
    # The message goes first: if the reset below never happens, the message retires itself.
    queues.send(queues.WEBHOOK_DELIVERIES, _job(delivery, generation))
    store.reset_for_retry(delivery, generation)
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}


def send_test(merchant: MerchantModel) -> dict:
    now = clock.now()
    record = event_record(
        merchant.id,
        WEBHOOK_TEST,
        "test",
        {"id": merchant.id, "message": "This is a test webhook from the gateway"},
        now,
        delivery_id=test_event_id(),
    )
    record.save(condition=DeliveryModel.id.does_not_exist())
    dispatch([record])
    return {"id": record.id, "status": rules.PENDING, "message": "Test webhook scheduled"}
