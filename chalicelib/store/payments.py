"""Payments, and the transactions that change a payment together with its events and order."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.expressions.condition import Condition

from ..domain import payments as rules
from .conditions import written
from .counts import counted
from .keys import merchant_keys, status_key, status_keys
from .models import DeliveryModel, OrderModel, PaymentModel
from .paging import newest_first
from .records import Delivery, Finalized, Page, PageRequest, Payment
from .rows import record, row
from .transactions import Transaction


def get(payment_id: str) -> Payment | None:
    try:
        return record(Payment, PaymentModel.get(payment_id, consistent_read=True))
    except PaymentModel.DoesNotExist:
        return None


def create_with_events(payment: Payment, events: list[Delivery]) -> bool:
    """Write the payment and its creation events atomically. False: it already existed."""
    tx = Transaction()
    tx.save("payment", row(PaymentModel, payment), PaymentModel.id.does_not_exist())
    for event in events:
        tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    return not tx.commit()


def finalize(payment: Payment, outcome: rules.Outcome, event: Delivery, now_iso: str) -> Finalized:
    """pending -> final, the event and (on success) the paid order, all or nothing."""
    actions = [
        PaymentModel.status.set(outcome.status),
        PaymentModel.updated_at.set(now_iso),
        PaymentModel.merchant_status_shard.set(status_key(payment.merchant_id, outcome.status, payment.id)),
    ]
    if outcome.error_code:
        actions.append(PaymentModel.error_code.set(outcome.error_code))
    if outcome.error_description:
        actions.append(PaymentModel.error_description.set(outcome.error_description))
    tx = Transaction()
    tx.update("payment", PaymentModel(payment.id), actions, PaymentModel.status == rules.PENDING)
    tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    if outcome.status == rules.SUCCESS:
        tx.update(
            "order",
            OrderModel(payment.order_id),
            [OrderModel.status.set("paid"), OrderModel.paid_at.set(now_iso)],
            OrderModel.status != "paid",
        )
    failed = tx.commit()
    if "payment" in failed or "event" in failed:
        return Finalized.ALREADY_FINAL
    if "order" in failed:
        return Finalized.ORDER_TAKEN
    return Finalized.DONE


def capture(payment_id: str, now_iso: str) -> Payment | None:
    """Only a successful, uncaptured payment: of two racing captures exactly one wins."""
    model = PaymentModel(payment_id)
    captured = written(
        lambda: model.update(
            actions=[
                PaymentModel.captured.set(True),
                PaymentModel.captured_at.set(now_iso),
                PaymentModel.updated_at.set(now_iso),
            ],
            condition=(PaymentModel.status == rules.SUCCESS) & (PaymentModel.captured == False),  # noqa: E712 - a DynamoDB condition, not a Python comparison
        )
    )
    return record(Payment, model) if captured else None


def list_for_merchant(
    merchant_id: str,
    page: PageRequest,
    status: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
) -> Page[Payment]:
    """Status and time are both key conditions: the status index's key, and created_at."""
    range_condition: Condition | None = None
    if created_from and created_to:
        range_condition = PaymentModel.created_at.between(created_from, created_to)
    elif created_from:
        range_condition = PaymentModel.created_at >= created_from
    elif created_to:
        range_condition = PaymentModel.created_at <= created_to
    index = PaymentModel.by_merchant_status if status else PaymentModel.by_merchant
    keys = status_keys(merchant_id, status) if status else merchant_keys(merchant_id)
    total = None if range_condition is not None else counted(index, keys)
    return newest_first(Payment, index, keys, page, total, range_condition)


def all_since(merchant_id: str, created_from: str) -> Iterator[Payment]:
    """Every payment of a merchant since a time, for the dashboard's statistics."""
    for key in merchant_keys(merchant_id):
        for model in PaymentModel.by_merchant.query(key, PaymentModel.created_at >= created_from):
            yield record(Payment, model)


def list_for_order(order_id: str, page: PageRequest) -> Page[Payment]:
    """An order has a handful of payments: one unsharded key, counted as it is read."""
    keys = [order_id]
    return newest_first(Payment, PaymentModel.by_order, keys, page, counted(PaymentModel.by_order, keys))
