"""Refunds, reserved against their payment atomically so that parallel requests never over-refund."""

from __future__ import annotations

from ..domain import payments as payment_rules
from ..domain import refunds as rules
from .models import DeliveryModel, PaymentModel, RefundModel
from .paging import Page, newest_first
from .transactions import Transaction


def get(refund_id: str) -> RefundModel | None:
    try:
        return RefundModel.get(refund_id, consistent_read=True)
    except RefundModel.DoesNotExist:
        return None


RESERVED, EXISTS, REFUSED = "reserved", "exists", "refused"


def create_with_event(payment: PaymentModel, refund: RefundModel, delivery: DeliveryModel) -> str:
    """Add the refund to the payment's amount_refunded under a condition, with the refund and its
    event, in one transaction. The condition is the refund rule itself: the payment succeeded and
    amount_refunded stays within the amount (amount is immutable, so its limit is precomputed)."""
    limit = int(payment.amount) - int(refund.amount)
    tx = Transaction()
    tx.update(
        "payment",
        payment,
        [PaymentModel.amount_refunded.add(int(refund.amount))],
        (PaymentModel.status == payment_rules.SUCCESS) & (PaymentModel.amount_refunded <= limit),
    )
    tx.save("refund", refund, RefundModel.id.does_not_exist())
    tx.save("event", delivery, DeliveryModel.id.does_not_exist())
    failed = tx.commit()
    if "refund" in failed:
        return EXISTS
    if failed:
        return REFUSED
    return RESERVED


def finalize(refund: RefundModel, delivery: DeliveryModel, now_iso: str) -> bool:
    """pending -> processed with its event; False when it was processed already."""
    tx = Transaction()
    tx.update(
        "refund",
        refund,
        [RefundModel.status.set(rules.PROCESSED), RefundModel.processed_at.set(now_iso)],
        RefundModel.status == rules.PENDING,
    )
    tx.save("event", delivery, DeliveryModel.id.does_not_exist())
    if tx.commit():
        return False
    refund.status = rules.PROCESSED
    refund.processed_at = now_iso
    return True


def list_for_merchant(merchant_id: str, limit: int, offset: int) -> Page:
    return newest_first(RefundModel.by_merchant, merchant_id, limit, offset)


def list_for_payment(payment_id: str, limit: int, offset: int) -> Page:
    return newest_first(RefundModel.by_payment, payment_id, limit, offset)
