"""Refund rules: which payments may be refunded, and how much is left."""

from __future__ import annotations

from .payments import SUCCESS

PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
LIVE_DELAY_RANGE_MS = (3000, 5000)


def refund_error(payment_status: str, payment_amount: int, amount_refunded: int, amount: int) -> str | None:
    """The reason a refund of `amount` is refused, or None when it fits."""
    if payment_status != SUCCESS:
        return "Payment not in refundable state"
    if amount > payment_amount - amount_refunded:
        return "Refund amount exceeds available amount"
    return None
