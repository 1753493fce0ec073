"""Orders."""

from __future__ import annotations

from chalice import Blueprint

from ..domain.ids import derived_id
from ..services import orders, payments
from .endpoint import JSON, PUBLIC_KEY, Call, endpoint, page_envelope
from .responses import Order, OrderList, PaymentList, PublicOrder
from .schemas import CreateOrder, Page, PublicKeyQuery

bp = Blueprint(__name__)
TAGS = ("orders",)


@endpoint(
    bp,
    "POST",
    "/api/v1/orders",
    summary="Create an order",
    body=CreateOrder,
    status=201,
    idempotent=True,
    response=Order,
    tags=TAGS,
)
def create_order(call: Call[CreateOrder, None]) -> JSON:
    body = call.body
    order_id = derived_id("order", call.merchant.id, call.idempotency_key) if call.idempotency_key else None
    return orders.create(call.merchant.id, body.amount, body.currency, body.receipt, body.notes or {}, order_id)


@endpoint(bp, "GET", "/api/v1/orders", summary="List orders, newest first", query=Page, response=OrderList, tags=TAGS)
def list_orders(call: Call[None, Page]) -> JSON:
    q = call.query
    return page_envelope(orders.list_orders(call.merchant.id, q.limit, q.offset, q.cursor), q)


@endpoint(bp, "GET", "/api/v1/orders/{id}", summary="Fetch an order", response=Order, tags=TAGS)
def get_order(call: Call[None, None]) -> JSON:
    return orders.get(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "GET",
    "/api/v1/orders/{id}/payments",
    summary="List an order's payments",
    query=Page,
    response=PaymentList,
    tags=TAGS,
)
def list_order_payments(call: Call[None, Page]) -> JSON:
    q = call.query
    return page_envelope(payments.list_for_order(call.merchant.id, call.params["id"], q.limit, q.offset, q.cursor), q)


@endpoint(
    bp,
    "GET",
    "/api/v1/orders/{id}/public",
    summary="An order's summary for the checkout page",
    auth_mode=PUBLIC_KEY,
    query=PublicKeyQuery,
    response=PublicOrder,
    tags=("public",),
)
def get_public_order(call: Call[None, PublicKeyQuery]) -> JSON:
    return orders.get_public(call.merchant.id, call.merchant.name, call.params["id"])
