"""Razorpay's face of the gateway (issue 17): its entities, collections, errors and webhook
events, as pure functions of the gateway's own entities (services/entities.py), so the /v1 API
and the `razorpay` webhook format show one thing the same way and no rule exists twice.

Field lists follow Razorpay's API reference (docs/razorpay.md names the pages). A field the
gateway has no data for is present with Razorpay's null (or empty object), never an invented
value: no fee is charged here, no bank reference exists, so those are null.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import clock
from .ids import derived_id

# Payment statuses as Razorpay names them.
CREATED, AUTHORIZED, CAPTURED, REFUNDED, FAILED = "created", "authorized", "captured", "refunded", "failed"
# Order statuses.
ORDER_CREATED, ORDER_ATTEMPTED, ORDER_PAID = "created", "attempted", "paid"

# Webhook events of the `razorpay` format: names that exist only there.
PAYMENT_AUTHORIZED = "payment.authorized"
PAYMENT_CAPTURED = "payment.captured"
PAYMENT_FAILED = "payment.failed"
ORDER_PAID_EVENT = "order.paid"
REFUND_CREATED = "refund.created"
REFUND_PROCESSED = "refund.processed"
EVENTS = (PAYMENT_AUTHORIZED, PAYMENT_CAPTURED, PAYMENT_FAILED, ORDER_PAID_EVENT, REFUND_CREATED, REFUND_PROCESSED)

SPEEDS = ("normal", "optimum")
NOT_FOUND_DESCRIPTION = "The id provided does not exist"
AUTHENTICATION_DESCRIPTION = "Authentication failed"

# Razorpay's error codes: the official clients raise BadRequestError, GatewayError or ServerError by them.
BAD_REQUEST_ERROR, SERVER_ERROR = "BAD_REQUEST_ERROR", "SERVER_ERROR"


def unix(moment: str | None) -> int | None:
    """The gateway's ISO-8601 time as Razorpay's Unix seconds."""
    return int(clock.parse_iso(moment).timestamp()) if moment else None


def payment_status(entity: Mapping[str, Any]) -> str:
    """pending -> created; success -> authorized, captured once captured, refunded once its whole
    amount is refunded (Razorpay counts a refund from its creation); failed -> failed."""
    status = entity["status"]
    if status == "failed":
        return FAILED
    if status != "success":
        return CREATED
    if entity["amount_refunded"] and entity["amount_refunded"] >= entity["amount"]:
        return REFUNDED
    return CAPTURED if entity["captured"] else AUTHORIZED


# A failed payment's reason, as Razorpay's error_source / error_step / error_reason describe it.
_FAILURES = {
    "CARD_DECLINED": ("bank", "payment_authorization", "card_declined"),
    "PAYMENT_FAILED": ("bank", "payment_authorization", "payment_failed"),
    "ORDER_ALREADY_PAID": ("business", "payment_initiation", "order_already_paid"),
}


def payment(entity: Mapping[str, Any]) -> dict[str, Any]:
    failed = entity["status"] == "failed"
    source, step, reason = _FAILURES.get(entity.get("error_code") or "", ("bank", "payment_authorization", "unknown"))
    shown = {
        "id": entity["id"],
        "entity": "payment",
        "amount": entity["amount"],
        "currency": entity["currency"],
        "status": payment_status(entity),
        "order_id": entity["order_id"],
        "invoice_id": None,
        "international": False,
        "method": entity["method"],
        "amount_refunded": entity["amount_refunded"],
        "refund_status": entity["refund_status"],
        "captured": bool(entity["captured"]),
        "description": None,
        "card_id": None,
        "bank": None,
        "wallet": None,
        "vpa": entity.get("vpa"),
        "email": None,
        "contact": None,
        "notes": dict(entity.get("notes") or {}),
        "fee": None,
        "tax": None,
        # Razorpay reports a payment's failure under BAD_REQUEST_ERROR with its own description.
        "error_code": BAD_REQUEST_ERROR if failed else None,
        "error_description": entity.get("error_description") if failed else None,
        "error_source": source if failed else None,
        "error_step": step if failed else None,
        "error_reason": reason if failed else None,
        "acquirer_data": {},
        "created_at": unix(entity["created_at"]),
    }
    if entity["method"] == "card":  # Razorpay's card object, on card payments only
        shown["card"] = _card(entity)
    return shown


def _card(entity: Mapping[str, Any]) -> dict[str, Any]:
    """What the gateway keeps of a card: its network and last four (no card id, type or issuer)."""
    network = entity.get("card_network") or "unknown"
    return {
        "id": None,
        "entity": "card",
        "name": entity.get("card_holder_name"),
        "last4": entity.get("card_last4"),
        "network": _NETWORKS.get(network, network),
        "type": None,
        "issuer": None,
        "international": False,
        "emi": False,
        "sub_type": None,
    }


_NETWORKS = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express", "rupay": "RuPay"}


def order(entity: Mapping[str, Any], payments: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """`payments`: the order's payments as the gateway shows them. Razorpay's order is paid once
    one of its payments is captured (an authorized one leaves it `attempted`)."""
    paid = sum(p["amount"] for p in payments if p["status"] == "success" and p["captured"])
    status = ORDER_PAID if paid else ORDER_ATTEMPTED if payments else ORDER_CREATED
    return {
        "id": entity["id"],
        "entity": "order",
        "amount": entity["amount"],
        "amount_paid": paid,
        "amount_due": max(0, entity["amount"] - paid),
        "currency": entity["currency"],
        "receipt": entity["receipt"],
        "offer_id": None,
        "status": status,
        "attempts": len(payments),
        "notes": dict(entity["notes"]),
        "created_at": unix(entity["created_at"]),
    }


def refund(entity: Mapping[str, Any]) -> dict[str, Any]:
    processed = entity["status"] == "processed"
    return {
        "id": entity["id"],
        "entity": "refund",
        "amount": entity["amount"],
        "currency": entity["currency"],
        "payment_id": entity["payment_id"],
        "notes": dict(entity["notes"]),
        "receipt": None,
        "acquirer_data": {"arn": None},
        "created_at": unix(entity["created_at"]),
        "batch_id": None,
        "status": entity["status"],
        # Every refund here is processed the same way, whatever speed was asked: normal.
        "speed_processed": "normal" if processed else None,
        "speed_requested": entity.get("speed_requested") or "normal",
    }


def collection(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    listed = list(items)
    return {"entity": "collection", "count": len(listed), "items": listed}


# Errors


def error(status: int, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    """The gateway's error answer (`{error: {code, description, field?}}`) as Razorpay's: a
    missing id is 400 "The id provided does not exist", bad credentials 401, every other client
    error BAD_REQUEST_ERROR under its own status, a server error SERVER_ERROR."""
    gateway = body.get("error") or {}
    code = gateway.get("code")
    description = str(gateway.get("description") or "")
    field = gateway.get("field")
    if code in ("NOT_FOUND_ERROR",):
        status, description = 400, NOT_FOUND_DESCRIPTION
    if code == "AUTHENTICATION_ERROR":
        status, description, field = 401, AUTHENTICATION_DESCRIPTION, None
    client = 400 <= status < 500
    return status, {
        "error": {
            "code": BAD_REQUEST_ERROR if client else SERVER_ERROR,
            "description": description,
            "source": "business" if client and status != 401 else "NA",
            "step": "payment_initiation" if client and status != 401 else "NA",
            "reason": "input_validation_failed" if client and status != 401 else "NA",
            "metadata": {},
            "field": field,
        }
    }


# Webhooks


def event_names(gateway_event: str, entity: Mapping[str, Any]) -> tuple[str, ...]:
    """The Razorpay events one gateway event is, for a `razorpay`-format endpoint: a success is
    payment.authorized, and with an auto-capture (the payment captured in the same write) also
    payment.captured and order.paid; created and pending payments have no Razorpay event."""
    if gateway_event == "payment.success":
        captured = (PAYMENT_CAPTURED, ORDER_PAID_EVENT) if entity.get("captured") else ()
        return (PAYMENT_AUTHORIZED, *captured)
    if gateway_event == "payment.failed":
        return (PAYMENT_FAILED,)
    if gateway_event == "refund.created":
        return (REFUND_CREATED,)
    if gateway_event == "refund.processed":
        return (REFUND_PROCESSED,)
    return ()


def event_id(gateway_event_id: str, name: str) -> str:
    """X-Razorpay-Event-Id: one per Razorpay event, the same on every attempt and endpoint."""
    return derived_id("evt", gateway_event_id, name)


def envelope(name: str, account_id: str, created_at: int, entities: Mapping[str, Mapping[str, Any]]) -> str:
    """The event's body, compact JSON (the bytes X-Razorpay-Signature signs): `entities` maps
    each contained kind (payment, order, refund) to its Razorpay entity."""
    body = {
        "entity": "event",
        "account_id": account_id,
        "event": name,
        "contains": list(entities),
        "payload": {kind: {"entity": dict(entity)} for kind, entity in entities.items()},
        "created_at": created_at,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
