"""Razorpay's face (/v1): the seed's services, answered in Razorpay's entities
(domain/razorpay.py), with Razorpay's rules where they differ from the seed's (a refund only of
a captured payment; no amount refunds the rest). No rule of the seed's is copied here."""

from __future__ import annotations

from typing import Any

from ..domain import clock
from ..domain import payments as payment_rules
from ..domain import razorpay as rzp
from ..domain.errors import BadRequest, NotFound
from ..store import store
from ..store.records import Merchant, Order
from . import audit, entities, orders, payments, refunds
from .payments import PaymentRequest

# An order's attempts are its payments, counted up to one page of them (Razorpay's own maximum
# count per page): an order with more shows 100.
ORDER_PAYMENTS_READ = 100


def _payments_of(merchant_id: str, order_id: str) -> list[dict[str, Any]]:
    return payments.list_for_order(merchant_id, order_id, ORDER_PAYMENTS_READ, 0, None).items


def order(merchant_id: str, model: Order) -> dict[str, Any]:
    return rzp.order(entities.order(model), _payments_of(merchant_id, model.id))


def create_order(
    merchant_id: str,
    amount: int,
    currency: str,
    receipt: str | None,
    notes: dict[str, str],
    payment_capture: bool,
    order_id: str | None,
) -> dict[str, Any]:
    created = orders.create_record(merchant_id, amount, currency, receipt, notes, order_id, payment_capture)
    return order(merchant_id, created)


def get_order(merchant_id: str, order_id: str) -> dict[str, Any]:
    return order(merchant_id, orders.owned(merchant_id, order_id))


def list_orders(merchant_id: str, count: int, skip: int) -> dict[str, Any]:
    listed = orders.list_orders(merchant_id, count, skip, None)
    return rzp.collection(rzp.order(item, _payments_of(merchant_id, item["id"])) for item in listed.items)


def order_payments(merchant_id: str, order_id: str) -> dict[str, Any]:
    return rzp.collection(rzp.payment(item) for item in _payments_of(merchant_id, order_id))


def get_payment(merchant_id: str, payment_id: str) -> dict[str, Any]:
    return rzp.payment(entities.payment(payments.owned(merchant_id, payment_id)))


def list_payments(
    merchant_id: str, count: int, skip: int, created_from: str | None, created_to: str | None
) -> dict[str, Any]:
    listed = payments.list_payments(merchant_id, count, skip, None, None, created_from, created_to)
    return rzp.collection(rzp.payment(item) for item in listed.items)


def capture(
    merchant: Merchant, payment_id: str, amount: int, currency: str | None, actor: audit.Actor
) -> dict[str, Any]:
    return rzp.payment(payments.capture(merchant.id, payment_id, amount, currency, actor=actor, merchant=merchant))


def create_upi_payment(
    merchant_id: str,
    order_id: str,
    vpa: str,
    amount: int | None,
    currency: str | None,
    notes: dict[str, str] | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Razorpay's S2S UPI payment: the order's amount and currency, which the body may repeat
    but not change. Answers Razorpay's `{razorpay_payment_id}`; the payment is processed as the
    seed's (the test VPAs decide its outcome)."""
    owned = orders.owned(merchant_id, order_id, field="order_id")
    if amount is not None and amount != owned.amount:
        raise BadRequest(f"The amount must be the order's amount ({owned.amount})", "amount")
    if currency is not None and currency != owned.currency:
        raise BadRequest(f"The currency must be the order's currency ({owned.currency})", "currency")
    instrument = payment_rules.test_instrument("upi", vpa, None)
    request = PaymentRequest(order_id, "upi", vpa=vpa, instrument=instrument, notes=notes)
    created = payments.create(merchant_id, request, idempotency_key)
    return {"razorpay_payment_id": created.id}


def refund(
    merchant_id: str,
    payment_id: str,
    amount: int | None,
    speed: str,
    notes: dict[str, str] | None,
    idempotency_key: str | None,
    actor: audit.Actor,
) -> dict[str, Any]:
    """Razorpay refunds only captured payments (the seed's API refunds any successful one).
    Checked on a read: a payment never stops being captured, so the read cannot go stale in the
    way that matters; the amount left is the reservation's own condition (services/refunds.py)."""
    payment = payments.owned(merchant_id, payment_id)
    if not payment.captured:
        raise BadRequest("Only a captured payment can be refunded", "payment_id")
    wanted = amount if amount is not None else payment.amount - payment.amount_refunded
    if wanted <= 0 and amount is None and idempotency_key:
        # A retry of "the rest" whose first attempt committed: that attempt left nothing, so the
        # amount is the one it took, and refunds.create answers it. Looked up only here: a first
        # attempt, which finds a rest to take, costs no read.
        earlier = refunds.made_under_key(merchant_id, payment_id, idempotency_key)
        if earlier is not None:
            wanted = earlier.amount
    if wanted <= 0:
        raise BadRequest("The payment has been fully refunded already", "amount")
    created = refunds.create(merchant_id, payment_id, wanted, None, idempotency_key, notes, actor=actor, speed=speed)
    return rzp.refund(created)


def get_refund(merchant_id: str, refund_id: str, payment_id: str | None = None) -> dict[str, Any]:
    return rzp.refund(refunds.get(merchant_id, refund_id, payment_id))


def list_refunds(merchant_id: str, count: int, skip: int) -> dict[str, Any]:
    listed = refunds.list_refunds(merchant_id, count, skip, None)
    return rzp.collection(rzp.refund(item) for item in listed.items)


def payment_refunds(merchant_id: str, payment_id: str, count: int, skip: int) -> dict[str, Any]:
    listed = refunds.list_for_payment(merchant_id, payment_id, count, skip, None)
    return rzp.collection(rzp.refund(item) for item in listed.items)


def edit_payment_notes(merchant_id: str, payment_id: str, notes: dict[str, str]) -> dict[str, Any]:
    edited = store().payments.set_notes(payment_id, merchant_id, notes, clock.now_iso())
    if edited is None:
        raise NotFound("Payment not found", "id")
    return rzp.payment(entities.payment(edited))


def edit_refund_notes(merchant_id: str, refund_id: str, notes: dict[str, str]) -> dict[str, Any]:
    edited = store().refunds.set_notes(refund_id, merchant_id, notes)
    if edited is None:
        raise NotFound("Refund not found", "id")
    return rzp.refund(entities.refund(edited))
