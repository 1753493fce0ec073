"""The `razorpay` webhook format: one recorded gateway event as the Razorpay events it is
(domain/razorpay.event_names), each with Razorpay's envelope. Built when the event fans out, once
for all of the merchant's `razorpay` endpoints; the gateway's event log and its subscribers see
no new event. Razorpay's payloads carry related entities too (a refund's payment, order.paid's
order): those are read now, the event's own entity is its recorded snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..domain import razorpay as rzp
from ..store import store
from ..store.records import Delivery
from . import entities, razorpay_face


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
