"""Orders."""

from __future__ import annotations

from .models import OrderModel
from .paging import Page, newest_first


def get(order_id: str) -> OrderModel | None:
    try:
        return OrderModel.get(order_id, consistent_read=True)
    except OrderModel.DoesNotExist:
        return None


def create(order: OrderModel) -> None:
    order.save(condition=OrderModel.id.does_not_exist())


def list_for_merchant(merchant_id: str, limit: int, offset: int) -> Page:
    return newest_first(OrderModel.by_merchant, merchant_id, limit, offset)
