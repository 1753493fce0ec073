"""Orders: what a merchant expects to be paid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..config import settings
from ..domain import clock
from ..domain.errors import IdempotencyKeyReused, NotFound
from ..domain.ids import new_id
from ..store import store
from ..store.records import Order
from . import entities
from .listing import PER_MERCHANT, Listing, paging

CREATED, PAID = "created", "paid"


def create(
    merchant_id: str,
    amount: int,
    currency: str,
    receipt: str | None,
    notes: dict[str, str],
    order_id: str | None = None,
    payment_capture: bool = False,
) -> dict[str, Any]:
    return entities.order(create_record(merchant_id, amount, currency, receipt, notes, order_id, payment_capture))


def create_record(
    merchant_id: str,
    amount: int,
    currency: str,
    receipt: str | None,
    notes: dict[str, str],
    order_id: str | None = None,
    payment_capture: bool = False,
) -> Order:
    """`order_id` is derived from an idempotency key when there is one: if a crash lost the first
    answer, the retry finds the order the first attempt wrote instead of writing a second."""
    order = Order(
        id=order_id or new_id("order"),
        merchant_id=merchant_id,
        amount=amount,
        currency=currency,
        receipt=receipt,
        notes=notes,
        status=CREATED,
        created_at=clock.now_iso(),
        payment_capture=payment_capture,
    )
    if not store().orders.create(order):
        if not order_id:
            raise RuntimeError(f"a new order id {order.id} exists already")  # random ids: never expected
        existing = owned(merchant_id, order_id)
        if clock.parse_iso(existing.created_at) < clock.now() - timedelta(seconds=settings().idempotency_ttl_seconds):
            # A key reused after it expired.
            return create_record(merchant_id, amount, currency, receipt, notes, payment_capture=payment_capture)
        asked = (amount, currency, receipt, notes, payment_capture)
        if (existing.amount, existing.currency, existing.receipt, existing.notes, existing.payment_capture) != asked:
            # The key made another order: never answer it in place of this one.
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request", "Idempotency-Key"
            )
        return existing
    return order


def owned(merchant_id: str, order_id: str, field: str = "id") -> Order:
    """Another merchant's order is indistinguishable from a missing one."""
    order = store().orders.get(order_id)
    if order is None or order.merchant_id != merchant_id:
        raise NotFound("Order not found", field)
    return order


def get(merchant_id: str, order_id: str) -> dict[str, Any]:
    return entities.order(owned(merchant_id, order_id))


def get_public(merchant_id: str, merchant_name: str, order_id: str) -> dict[str, Any]:
    return entities.public_order(owned(merchant_id, order_id), merchant_name)


def list_orders(merchant_id: str, limit: int, offset: int, cursor: str | None) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "orders")
    return paged.listing(store().orders.list_for_merchant(merchant_id, paged.request()), entities.order)
