"""The payment function's messages: what is sent, and reading every format still in flight.

A processing job carries the payment as it was saved, so the function decides and finalizes it
without reading it again: a pending payment never changes until it is finalized, and finalizing
is conditional on `status = pending`, so a copy that is no longer current can never take effect
(services/payments.process reads the payment then). The card number is never part of a payment,
so never part of its copy.

    {"payment_id": ..., "payment": {...}}                     processing (old format: payment_id only)
    {"payment_id": ..., "payment": {...}, "deliveries": [..]} processing, with events to queue first
    {"payment_id": ..., "announce": true, "deliveries": [..]} only queue these events

`deliveries` are webhook delivery jobs (webhook_events.job) the function queues on the API's
behalf: payment.created and payment.pending ride with the creation's one SendMessageBatch
(docs/decisions.md, "A lean payment lifecycle").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from ..domain import payments as rules
from ..store.records import Payment

_PAYMENT_FIELDS = frozenset(f.name for f in fields(Payment))


@dataclass(frozen=True)
class PaymentJob:
    payment_id: str
    carried: Payment | None  # the payment as the sender saw it, pending; None: read it
    deliveries: list[dict[str, Any]]  # webhook delivery jobs to queue
    process: bool  # False: an announcement, nothing to process


def processing(payment: Payment, deliveries: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    job: dict[str, Any] = {"payment_id": payment.id, "payment": asdict(payment)}
    if deliveries:
        job["deliveries"] = deliveries
    return job


def announcement(payment_id: str, deliveries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"payment_id": payment_id, "announce": True, "deliveries": deliveries}


def read(job: dict[str, Any]) -> PaymentJob:
    payment_id = str(job["payment_id"])
    deliveries = job.get("deliveries")
    return PaymentJob(
        payment_id=payment_id,
        carried=_carried(payment_id, job.get("payment")),
        deliveries=[d for d in deliveries if isinstance(d, dict)] if isinstance(deliveries, list) else [],
        process=not job.get("announce"),
    )


def _carried(payment_id: str, fields_sent: Any) -> Payment | None:
    """The carried copy, if it is one this code can trust to be a pending payment's; else None,
    and the payment is read (a message of an older or newer format than this code's)."""
    if not isinstance(fields_sent, dict):
        return None
    try:
        payment = Payment(**{name: value for name, value in fields_sent.items() if name in _PAYMENT_FIELDS})
    except TypeError:  # a required field is missing
        return None
    if payment.id != payment_id or payment.status != rules.PENDING:
        return None
    return payment
