"""Orders."""

from __future__ import annotations

from ..domain.counts import ORDERS, TOTAL, Deltas
from . import counters
from .keys import merchant_keys
from .models import OrderModel
from .paging import newest_first
from .records import Order, Page, PageRequest
from .rows import record, row
from .transactions import Transaction


def get(order_id: str) -> Order | None:
    try:
        return record(Order, OrderModel.get(order_id, consistent_read=True))
    except OrderModel.DoesNotExist:
        return None


def create(order: Order) -> bool:
    """The order and its merchant's count, in one transaction: a second create of the same id
    fails its condition and counts nothing."""
    tx = Transaction()
    tx.save("order", row(OrderModel, order), OrderModel.id.does_not_exist())
    counters.add(tx, Deltas().order_created(order.merchant_id, order.id))
    return not tx.commit()


def list_for_merchant(merchant_id: str, page: PageRequest) -> Page[Order]:
    total = counters.total(merchant_id, ORDERS, TOTAL)
    return newest_first(Order, OrderModel.by_merchant, merchant_keys(merchant_id), page, total)
