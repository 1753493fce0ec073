"""Webhook events: their types, stable ids and the exact bytes of their payload."""

from __future__ import annotations

import json

from .ids import derived_id, new_id

PAYMENT_CREATED = "payment.created"
PAYMENT_PENDING = "payment.pending"
PAYMENT_SUCCESS = "payment.success"
PAYMENT_FAILED = "payment.failed"
REFUND_CREATED = "refund.created"
REFUND_PROCESSED = "refund.processed"
WEBHOOK_TEST = "webhook.test"

EVENT_TYPES = (
    PAYMENT_CREATED,
    PAYMENT_PENDING,
    PAYMENT_SUCCESS,
    PAYMENT_FAILED,
    REFUND_CREATED,
    REFUND_PROCESSED,
    WEBHOOK_TEST,
)


def event_id(entity_id: str, event_type: str) -> str:
    """One event per entity and type: recording it again finds the first record."""
    return derived_id("evt", entity_id, event_type)


def test_event_id() -> str:
    return new_id("evt")


def encode_payload(event_type: str, timestamp: int, data: dict) -> str:
    """Compact JSON with non-ASCII left as UTF-8: the bytes JavaScript's JSON.stringify gives
    for the parsed body, so receivers that re-serialize still verify the signature."""
    envelope = {"event": event_type, "timestamp": timestamp, "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
