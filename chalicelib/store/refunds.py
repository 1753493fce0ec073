"""Refunds, reserved against their payment atomically so that parallel requests never over-refund."""

from __future__ import annotations

from ..domain import payments as payment_rules
from ..domain import refunds as rules
from ..domain.counts import REFUNDS, TOTAL, Deltas
from . import counters
from .counts import counted
from .keys import merchant_keys
from .models import DeliveryModel, PaymentModel, RefundModel
from .paging import newest_first
from .records import Delivery, Page, PageRequest, Payment, Refund, Reservation
from .rows import record, row
from .transactions import Transaction


def get(refund_id: str) -> Refund | None:
    try:
        return record(Refund, RefundModel.get(refund_id, consistent_read=True))
    except RefundModel.DoesNotExist:
        return None


def create_with_event(payment: Payment, refund: Refund, event: Delivery) -> Reservation:
    """Add the refund to the payment's amount_refunded under a condition, with the refund and its
    event, in one transaction. The condition is the refund rule itself: the payment succeeded and
    amount_refunded stays within the amount (amount is immutable, so its limit is precomputed)."""
    limit = payment.amount - refund.amount
    tx = Transaction()
    tx.update(
        "payment",
        PaymentModel(payment.id),
        [PaymentModel.amount_refunded.add(refund.amount)],
        (PaymentModel.status == payment_rules.SUCCESS) & (PaymentModel.amount_refunded <= limit),
    )
    tx.save("refund", row(RefundModel, refund), RefundModel.id.does_not_exist())
    tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    counters.add(
        tx,
        Deltas()
        .refund_created(refund.merchant_id, refund.id)
        .delivery_created(event.merchant_id, event.id, event.event, event.status),
    )
    failed = tx.commit()
    if "refund" in failed:
        return Reservation.EXISTS
    if failed:
        return Reservation.REFUSED
    return Reservation.RESERVED


def finalize(refund_id: str, event: Delivery, now_iso: str) -> bool:
    """pending -> processed with its event; False when it was processed already."""
    tx = Transaction()
    tx.update(
        "refund",
        RefundModel(refund_id),
        [
            RefundModel.status.set(rules.PROCESSED),
            RefundModel.processed_at.set(now_iso),
            RefundModel.awaiting_shard.remove(),  # final: out of the awaiting index
            RefundModel.awaiting_due.remove(),
        ],
        RefundModel.status == rules.PENDING,
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
