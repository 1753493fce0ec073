"""The `razorpay` webhook format: one recorded gateway event as the Razorpay events it is
(domain/razorpay.event_names), each with Razorpay's envelope. Built when the event fans out, once
for all of the merchant's `razorpay` endpoints; the gateway's event log and its subscribers see
no new event. Razorpay's payloads carry related entities too (a refund's payment, order.paid's
order): those are read now, the event's own entity is its recorded snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..domain import clock
from ..domain import deliveries as delivery_rules
from ..domain import razorpay as rzp
from ..domain.endpoints import DELIVERY_PREFIX, is_razorpay, takes
from ..domain.ids import derived_id
from ..store import store
from ..store.records import Delivery, Merchant, Payment
from . import entities, payments, razorpay_face, webhook_events


@dataclass(frozen=True)
class RazorpayEvent:
    name: str
    body: str


def translate(event: Delivery) -> list[RazorpayEvent]:
    data = json.loads(event.payload).get("data") or {}
    kind, entity = next(iter(data.items()), (None, None))
    if not isinstance(entity, dict):
        return []
    names = rzp.event_names(event.event, entity)
    if not names:
        return []
    contained = _contained(event.merchant_id, str(kind), entity)
    if contained is None:
        return []
    found = []
    for name in names:
        shown = dict(contained)
        if name == rzp.ORDER_PAID_EVENT:
            order = store().orders.get(entity["order_id"])
            if order is None:
                continue
            shown["order"] = razorpay_face.order(event.merchant_id, order)
        found.append(RazorpayEvent(name, rzp.envelope(name, event.merchant_id, event.timestamp, shown)))
    return found


def _contained(merchant_id: str, kind: str, entity: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    if kind == "payment":
        return {"payment": rzp.payment(entity)}
    if kind == "refund":
        payment = store().payments.get(entity["payment_id"])
        if payment is None or payment.merchant_id != merchant_id:
            return None
        return {"refund": rzp.refund(entity), "payment": rzp.payment(entities.payment(payment))}
    return None


CAPTURED_NAMES = (rzp.PAYMENT_CAPTURED, rzp.ORDER_PAID_EVENT)


def capture_records(merchant: Merchant, captured: Payment, at: datetime) -> list[Delivery]:
    """A capture through either API as Razorpay announces it (payment.captured, order.paid), to
    each enabled `razorpay` endpoint that takes them: pending deliveries written in the capture's
    own transaction (the gateway records no capture event of its own, so its subscribers and
    event log see nothing new), queued after it commits, and found by the reconciler should that
    send be lost. Their items exist before any attempt, as a replay's do (generation 1)."""
    endpoints = [e for e in merchant.webhook_endpoints if e.url and e.enabled and is_razorpay(e)]
    names = [name for name in CAPTURED_NAMES if any(takes(endpoint, name) for endpoint in endpoints)]
    if not names:
        return []
    shown = rzp.payment(entities.payment(captured))
    timestamp = int(at.timestamp())
    bodies = {}
    for name in names:
        contained: dict[str, dict[str, Any]] = {"payment": shown}
        if name == rzp.ORDER_PAID_EVENT:
            order = store().orders.get(captured.order_id)
            if order is None:
                continue
            # The order's payments as they are once this capture commits.
            listed = payments.list_for_order(merchant.id, order.id, razorpay_face.ORDER_PAYMENTS_READ, 0, None).items
            now_shown = [entities.payment(captured) if item["id"] == captured.id else item for item in listed]
            contained["order"] = rzp.order(entities.order(order), now_shown)
        bodies[name] = rzp.envelope(name, merchant.id, timestamp, contained)
    event_id = derived_id("evt", captured.id, "captured")  # a payment is captured once
    template = Delivery(
        id="",
        merchant_id=merchant.id,
        event="",
        entity_id=captured.id,
        timestamp=timestamp,
        payload="",
        status=delivery_rules.PENDING,
        created_at=clock.iso(at),
        generation=1,
        event_id=event_id,
        expires_at=webhook_events.expiry(at),
    )
    return [
        replace(
            template,
            id=derived_id(DELIVERY_PREFIX, event_id, endpoint.id, name),
            event=name,
            payload=body,
            endpoint_id=endpoint.id,
        )
        for name, body in bodies.items()
        for endpoint in endpoints
        if takes(endpoint, name)
    ]
