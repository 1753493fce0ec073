"""Refunds, reserved against their payment atomically so that parallel requests never over-refund."""

from __future__ import annotations

from ..domain import payments as payment_rules
from ..domain import refunds as rules
from ..domain.counts import REFUNDS, TOTAL, Deltas
from . import audit, counters
from .conditions import written
from .counts import counted
from .keys import merchant_keys
from .models import DeliveryModel, PaymentModel, RefundModel
from .paging import newest_first
from .records import AuditEntry, Delivery, Page, PageRequest, Payment, Refund, Reservation
from .rows import record, row
from .transactions import Transaction


def get(refund_id: str) -> Refund | None:
    try:
        return record(Refund, RefundModel.get(refund_id, consistent_read=True))
    except RefundModel.DoesNotExist:
        return None


def create_with_event(payment: Payment, refund: Refund, event: Delivery, audit_entry: AuditEntry) -> Reservation:
    """Add the refund to the payment's amount_refunded under a condition, with the refund, its
    event and its audit entry, in one transaction. The condition is the refund rule itself: the
    payment succeeded and amount_refunded stays within the amount (amount is immutable, so its
    limit is precomputed). The payment's updated_at becomes the refund's creation time."""
    limit = payment.amount - refund.amount
    tx = Transaction()
    tx.update(
        "payment",
        PaymentModel(payment.id),
        [PaymentModel.amount_refunded.add(refund.amount), PaymentModel.updated_at.set(refund.created_at)],
        (PaymentModel.status == payment_rules.SUCCESS) & (PaymentModel.amount_refunded <= limit),
    )
    tx.save("refund", row(RefundModel, refund), RefundModel.id.does_not_exist())
    tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    deltas = Deltas().refund_created(refund.merchant_id, refund.id)
    deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
    audit.include(tx, audit_entry, deltas)
    counters.add(tx, deltas)
    failed = tx.commit()
    if "refund" in failed or "audit" in failed:
        return Reservation.EXISTS
    if failed:
        return Reservation.REFUSED
    return Reservation.RESERVED


def finalize(refund: Refund, event: Delivery, now_iso: str) -> bool:
    """pending -> processed with its event, and the payment's updated_at; False when it was
    processed already."""
    tx = Transaction()
    tx.update(
        "refund",
        RefundModel(refund.id),
        [
            RefundModel.status.set(rules.PROCESSED),
            RefundModel.processed_at.set(now_iso),
            RefundModel.awaiting_shard.remove(),  # final: out of the awaiting index
            RefundModel.awaiting_due.remove(),
        ],
        RefundModel.status == rules.PENDING,
    )
    # Conditioned on the payment existing: an update would otherwise create a stray item.
    tx.update(
        "payment", PaymentModel(refund.payment_id), [PaymentModel.updated_at.set(now_iso)], PaymentModel.id.exists()
    )
    tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    counters.add(tx, Deltas().delivery_created(event.merchant_id, event.id, event.event, event.status))
    return not tx.commit()


def list_for_merchant(merchant_id: str, page: PageRequest) -> Page[Refund]:
    total = counters.total(merchant_id, REFUNDS, TOTAL)
    return newest_first(Refund, RefundModel.by_merchant, merchant_keys(merchant_id), page, total)


def list_for_payment(payment_id: str, page: PageRequest) -> Page[Refund]:
    """A payment has a handful of refunds: one unsharded key, counted as it is read."""
    keys = [payment_id]
    return newest_first(Refund, RefundModel.by_payment, keys, page, counted(RefundModel.by_payment, keys))


def set_notes(refund_id: str, merchant_id: str, notes: dict[str, str]) -> Refund | None:
    """Replace the notes, on the condition that the refund is this merchant's (no read first)."""
    model = RefundModel(refund_id)
    condition = RefundModel.merchant_id == merchant_id
    if not written(lambda: model.update(actions=[RefundModel.notes.set(notes)], condition=condition)):
        return None
    return record(Refund, model)
