"""Razorpay's orders (/v1/orders): the seed's orders in Razorpay's entities."""

from __future__ import annotations

from chalice import Blueprint

from ..domain.ids import derived_id
from ..services import razorpay_face as face
from .endpoint import JSON, Call, endpoint
from .rzp_responses import RazorpayOrder, RazorpayOrderCollection, RazorpayPaymentCollection, answers
from .rzp_schemas import CreateRazorpayOrder
from .schemas import Page

bp = Blueprint(__name__)
TAGS = ("razorpay",)


@endpoint(
    bp,
    "POST",
    "/v1/orders",
    summary="Create an order (Razorpay)",
    body=CreateRazorpayOrder,
    idempotent=True,
    response=answers(200, RazorpayOrder),
    tags=TAGS,
)
def rzp_create_order(call: Call[CreateRazorpayOrder, None]) -> JSON:
    body = call.body
    order_id = derived_id("order", call.merchant.id, call.idempotency_key) if call.idempotency_key else None
    return face.create_order(
        call.merchant.id, body.amount, body.currency, body.receipt, body.notes or {}, body.payment_capture, order_id
    )


@endpoint(
    bp,
    "GET",
    "/v1/orders",
    summary="List orders, newest first (Razorpay)",
    query=Page,
    response=answers(200, RazorpayOrderCollection),
    tags=TAGS,
)
def rzp_list_orders(call: Call[None, Page]) -> JSON:
    return face.list_orders(call.merchant.id, call.query.limit, call.query.offset)


@endpoint(
    bp, "GET", "/v1/orders/{id}", summary="Fetch an order (Razorpay)", response=answers(200, RazorpayOrder), tags=TAGS
)
def rzp_get_order(call: Call[None, None]) -> JSON:
    return face.get_order(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "GET",
    "/v1/orders/{id}/payments",
    summary="An order's payments (Razorpay)",
    response=answers(200, RazorpayPaymentCollection),
    tags=TAGS,
)
def rzp_order_payments(call: Call[None, None]) -> JSON:
    return face.order_payments(call.merchant.id, call.params["id"])
