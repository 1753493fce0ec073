"""Orders."""

from __future__ import annotations

from .conditions import written
from .counts import counted
from .keys import merchant_keys
from .models import OrderModel
from .paging import newest_first
from .records import Order, Page, PageRequest
from .rows import record, row


def get(order_id: str) -> Order | None:
    try:
        return record(Order, OrderModel.get(order_id, consistent_read=True))
    except OrderModel.DoesNotExist:
        return None


def create(order: Order) -> bool:
    model = row(OrderModel, order)
    return written(lambda: model.save(condition=OrderModel.id.does_not_exist()))


def list_for_merchant(merchant_id: str, page: PageRequest) -> Page[Order]:
    keys = merchant_keys(merchant_id)
    return newest_first(Order, OrderModel.by_merchant, keys, page, counted(OrderModel.by_merchant, keys))
