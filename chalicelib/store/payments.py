"""Payments, and the transactions that change a payment together with its events and order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pynamodb.expressions.update import Action

from ..domain import counts
from ..domain import payments as rules
from ..domain.counts import Deltas
from . import audit, counters
from .conditions import written
from .counts import counted
from .keys import merchant_keys, status_key, status_keys
from .models import DeliveryModel, OrderModel, PaymentModel
from .paging import newest_first
from .records import AuditEntry, Delivery, Finalized, Page, PageRequest, Payment
from .rows import record, row
from .transactions import Transaction


def day_of(payment: Payment) -> str:
    """The statistics day of a payment: the UTC date it was created on."""
    return payment.created_at[:10]


def get(payment_id: str) -> Payment | None:
    try:
        return record(Payment, PaymentModel.get(payment_id, consistent_read=True))
    except PaymentModel.DoesNotExist:
        return None


def create_with_events(payment: Payment, events: list[Delivery]) -> bool:
    """Write the payment and its creation events atomically. False: it already existed."""
    tx = Transaction()
    tx.save("payment", row(PaymentModel, payment), PaymentModel.id.does_not_exist())
    deltas = Deltas().payment_created(
        payment.merchant_id, payment.id, day_of(payment), payment.currency, payment.status
    )
    for event in events:
        tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
        deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
    counters.add(tx, deltas)
    return not tx.commit()


def finalize(payment: Payment, outcome: rules.Outcome, event: Delivery, now_iso: str) -> Finalized:
    """pending -> final, the event and (on success) the paid order, all or nothing."""
    actions = [
        PaymentModel.status.set(outcome.status),
        PaymentModel.updated_at.set(now_iso),
        PaymentModel.merchant_status_shard.set(status_key(payment.merchant_id, outcome.status, payment.id)),
        PaymentModel.awaiting_shard.remove(),  # final: out of the awaiting index
        PaymentModel.awaiting_due.remove(),
    ]
    if outcome.error_code:
        actions.append(PaymentModel.error_code.set(outcome.error_code))
    if outcome.error_description:
        actions.append(PaymentModel.error_description.set(outcome.error_description))
    if outcome.capture and outcome.status == rules.SUCCESS:
        actions.append(PaymentModel.captured.set(True))
        actions.append(PaymentModel.captured_at.set(now_iso))
        actions.append(PaymentModel.amount_captured.set(payment.amount))
    tx = Transaction()
    tx.update("payment", PaymentModel(payment.id), actions, PaymentModel.status == rules.PENDING)
    tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
    succeeded = payment.amount if outcome.status == rules.SUCCESS else 0
    deltas = Deltas().payment_finalized(
        payment.merchant_id, payment.id, day_of(payment), rules.PENDING, outcome.status, succeeded, payment.currency
    )
    counters.add(tx, deltas.delivery_created(event.merchant_id, event.id, event.event, event.status))
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


def capture(payment: Payment, now_iso: str, audit_entry: AuditEntry, events: Sequence[Delivery] = ()) -> Payment | None:
    """Only a successful, uncaptured payment without any refund, for its whole amount, with its
    audit entry, in one transaction: of a capture and anything racing it (another capture, a
    refund's reservation) exactly one finds its condition true. None: the condition failed."""
    tx = Transaction()
    tx.update(
        "payment",
        PaymentModel(payment.id),
        [
            PaymentModel.captured.set(True),
            PaymentModel.captured_at.set(now_iso),
            PaymentModel.amount_captured.set(payment.amount),
            PaymentModel.updated_at.set(now_iso),
        ],
        (PaymentModel.status == rules.SUCCESS)
        & (PaymentModel.captured == False)  # noqa: E712 - a DynamoDB condition, not a Python comparison
        & (PaymentModel.amount_refunded == 0)
        & (PaymentModel.amount == payment.amount),
    )
    deltas = Deltas()
    audit.include(tx, audit_entry, deltas)
    for number, event in enumerate(events):
        tx.save(f"event{number}", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
        deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
    counters.add(tx, deltas)
    if tx.commit():
        return None
    return replace(payment, captured=True, captured_at=now_iso, amount_captured=payment.amount, updated_at=now_iso)


def list_for_merchant(
    merchant_id: str,
    page: PageRequest,
    status: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
) -> Page[Payment]:
    """Status and time are both key conditions: the status index's key, and created_at."""
    ranged = bool(created_from or created_to)
    index = PaymentModel.by_merchant_status if status else PaymentModel.by_merchant
    keys = status_keys(merchant_id, status) if status else merchant_keys(merchant_id)
    counter = counts.status(status) if status else counts.TOTAL
    total = None if ranged else counters.total(merchant_id, counts.PAYMENTS, counter)
    return newest_first(Payment, index, keys, page, total, created_from, created_to)


def daily_stats(merchant_id: str, first_day: str, last_day: str) -> dict[str, dict[str, int]]:
    """The statistics rows of these days (domain/counts.py names their counts), summed over shards."""
    return counters.days(merchant_id, counts.STATS, first_day, last_day)


def list_for_order(order_id: str, page: PageRequest) -> Page[Payment]:
    """An order has a handful of payments: one unsharded key, counted as it is read."""
    keys = [order_id]
    return newest_first(Payment, PaymentModel.by_order, keys, page, counted(PaymentModel.by_order, keys))


def set_notes(payment_id: str, merchant_id: str, notes: dict[str, str], now_iso: str) -> Payment | None:
    """Replace the notes, on the condition that the payment is this merchant's (no read first)."""
    model = PaymentModel(payment_id)
    actions: list[Action] = [PaymentModel.notes.set(notes), PaymentModel.updated_at.set(now_iso)]
    if not written(lambda: model.update(actions=actions, condition=PaymentModel.merchant_id == merchant_id)):
        return None
    return record(Payment, model)
