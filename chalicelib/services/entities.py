"""How each record is shown: in API responses and, identically, inside webhook payloads."""

from __future__ import annotations

import json
from typing import Any

from ..domain import payments as payment_rules
from ..domain.endpoints import default_endpoint_id
from ..store.records import Delivery, Merchant, Order, Payment, Refund


def order(model: Order) -> dict[str, Any]:
    return {
        "id": model.id,
        "merchant_id": model.merchant_id,
        "amount": model.amount,
        "currency": model.currency,
        "receipt": model.receipt,
        "notes": dict(model.notes),
        "status": model.status,
        "created_at": model.created_at,
    }


def public_order(model: Order, merchant_name: str) -> dict[str, Any]:
    return {
        "id": model.id,
        "amount": model.amount,
        "currency": model.currency,
        "status": model.status,
        "receipt": model.receipt,
        "merchant_name": merchant_name,
    }


def payment(model: Payment) -> dict[str, Any]:
    amount, refunded = model.amount, model.amount_refunded
    return {
        "id": model.id,
        "merchant_id": model.merchant_id,
        "order_id": model.order_id,
        "amount": amount,
        "currency": model.currency,
        "method": model.method,
        "vpa": model.vpa,
        "card_network": model.card_network,
        "card_last4": model.card_last4,
        "status": model.status,
        "captured": bool(model.captured),
        "captured_at": model.captured_at,
        # A payment captured before amount_captured existed was captured whole (its flag covers
        # the payment; the amount sent was never kept), so it shows its amount.
        "amount_captured": model.amount_captured or (amount if model.captured else 0),
        "amount_refunded": refunded,
        "refund_status": payment_rules.refund_status(amount, refunded),
        "error_code": model.error_code,
        "error_description": model.error_description,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
        # Only on payments given notes through Razorpay's face (/v1): the seed's shape otherwise.
        **({"notes": dict(model.notes)} if model.notes else {}),
    }


def public_payment(model: Payment) -> dict[str, Any]:
    return {
        "id": model.id,
        "order_id": model.order_id,
        "amount": model.amount,
        "currency": model.currency,
        "method": model.method,
        "status": model.status,
        "error_code": model.error_code,
        "error_description": model.error_description,
        "created_at": model.created_at,
    }


def refund(model: Refund) -> dict[str, Any]:
    return {
        "id": model.id,
        "merchant_id": model.merchant_id,
        "payment_id": model.payment_id,
        "amount": model.amount,
        "currency": model.currency,
        "reason": model.reason,
        "notes": dict(model.notes),
        "status": model.status,
        "created_at": model.created_at,
        "processed_at": model.processed_at,
        # Only on refunds asked through Razorpay's face (/v1) with a speed: the seed's shape otherwise.
        **({"speed_requested": model.speed_requested} if model.speed_requested else {}),
    }


def _subject(model: Delivery) -> dict[str, Any]:
    """What a delivery is about: its entity, and for a refund the payment whose page shows it
    (read from the payload: the delivery keeps the entity's id, not its parent's)."""
    kind = model.event.split(".", 1)[0]
    payment_id = model.entity_id if kind == "payment" else None
    if kind == "refund":
        data = json.loads(model.payload).get("data", {})
        payment_id = (data.get("refund") or {}).get("payment_id")
    return {
        "entity": kind if kind in ("payment", "refund") else None,
        "entity_id": model.entity_id if kind in ("payment", "refund") else None,
        "payment_id": payment_id,
    }


def delivery(model: Delivery) -> dict[str, Any]:
    last = model.attempt_log[-1] if model.attempt_log else None
    return {
        "id": model.id,
        # Recorded before endpoints: the default endpoint's delivery, whose id is the event's.
        "event_id": model.event_id or model.id,
        "endpoint_id": model.endpoint_id or default_endpoint_id(model.merchant_id),
        "event": model.event,
        **_subject(model),
        # Where the last attempt went; the merchant's URL may have changed since.
        "endpoint": last.get("url") if last else None,
        "status": model.status,
        "attempts": model.attempts,
        "created_at": model.created_at,
        "last_attempt_at": model.last_attempt_at,
        "next_retry_at": model.next_retry_at,
        "response_code": model.response_code,
    }


def delivery_detail(model: Delivery) -> dict[str, Any]:
    log = [_attempt(entry) for entry in model.attempt_log]
    return {
        **delivery(model),
        "payload": json.loads(model.payload),
        "skip_reason": model.skip_reason,
        "attempt_log": log,
        "earlier_attempts": max(0, model.attempts - len(log)),
    }


def _attempt(entry: dict[str, Any]) -> dict[str, Any]:
    code = entry.get("response_code")
    return {
        "number": int(entry["number"]),
        "at": entry["at"],
        "url": entry.get("url"),
        "response_code": int(code) if code is not None else None,
        "response_body": entry.get("response_body"),
        "error": entry.get("error"),
        "duration_ms": int(entry.get("duration_ms") or 0),
        "chaos": entry.get("chaos"),
    }


def merchant_profile(model: Merchant, all_events: tuple[str, ...]) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "email": model.email,
        "api_key": model.api_key,
        "webhook_url": model.webhook_url,
        "webhook_events": list(model.webhook_events) if model.webhook_events else list(all_events),
        "webhook_secret_set": bool(model.webhook_secret_sealed),
        "created_at": model.created_at,
    }
