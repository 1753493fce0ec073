"""Payments, and the transactions that change a payment together with its events and order."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from ..domain import payments as rules
from .conditions import is_conditional_failure
from .models import DeliveryModel, OrderModel, PaymentModel
from .paging import Page, newest_first
from .transactions import Transaction


def get(payment_id: str) -> PaymentModel | None:
    try:
        return PaymentModel.get(payment_id, consistent_read=True)
    except PaymentModel.DoesNotExist:
        return None


def create_with_events(payment: PaymentModel, deliveries: list[DeliveryModel]) -> bool:
    """Write the payment and its creation events atomically. False: it already existed."""
    tx = Transaction()
    tx.save("payment", payment, PaymentModel.id.does_not_exist())
    for delivery in deliveries:
        tx.save("event", delivery, DeliveryModel.id.does_not_exist())
    return not tx.commit()


ORDER_TAKEN = "order_taken"


def finalize(payment: PaymentModel, outcome: rules.Outcome, delivery: DeliveryModel, now_iso: str) -> str | None:
    """pending -> final, the event and (on success) the paid order, all or nothing.

    Returns None when this call made the transition, "final" when the payment was final
    already, ORDER_TAKEN when another payment of the same order got there first.
    """
    actions = [PaymentModel.status.set(outcome.status), PaymentModel.updated_at.set(now_iso)]
    if outcome.error_code:
        actions += [
            PaymentModel.error_code.set(outcome.error_code),
            PaymentModel.error_description.set(outcome.error_description),
        ]
    tx = Transaction()
    tx.update("payment", payment, actions, PaymentModel.status == rules.PENDING)
    tx.save("event", delivery, DeliveryModel.id.does_not_exist())
    if outcome.status == rules.SUCCESS:
        tx.update(
            "order",
            OrderModel(payment.order_id),
            [OrderModel.status.set("paid"), OrderModel.paid_at.set(now_iso)],
            OrderModel.status != "paid",
        )
    failed = tx.commit()
    if "payment" in failed or "event" in failed:
        return "final"
    if "order" in failed:
        return ORDER_TAKEN
    payment.status = outcome.status
    payment.error_code = outcome.error_code
    payment.error_description = outcome.error_description
    payment.updated_at = now_iso
    return None


def capture(payment: PaymentModel, now_iso: str) -> bool:
    """Only a successful, uncaptured payment: of two racing captures exactly one wins."""
    try:
        payment.update(
            actions=[
                PaymentModel.captured.set(True),
                PaymentModel.captured_at.set(now_iso),
                PaymentModel.updated_at.set(now_iso),
            ],
            condition=(PaymentModel.status == rules.SUCCESS) & (PaymentModel.captured == False),
        )
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def list_for_merchant(
    merchant_id: str,
    limit: int,
    offset: int,
    status: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
) -> Page:
    range_condition = None
    if created_from and created_to:
        range_condition = PaymentModel.created_at.between(created_from, created_to)
    elif created_from:
        range_condition = PaymentModel.created_at >= created_from
    elif created_to:
        range_condition = PaymentModel.created_at <= created_to
    filter_condition = (PaymentModel.status == status) if status else None
    return newest_first(PaymentModel.by_merchant, merchant_id, limit, offset, range_condition, filter_condition)


def all_since(merchant_id: str, created_from: str):
    """Every payment of a merchant since a time, for the dashboard's statistics."""
    return PaymentModel.by_merchant.query(merchant_id, PaymentModel.created_at >= created_from)


def list_for_order(order_id: str, limit: int, offset: int) -> Page:
    return newest_first(PaymentModel.by_order, order_id, limit, offset)
