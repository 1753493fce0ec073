"""Refunds: created against a payment, read alone or by payment."""

from __future__ import annotations

from chalice import Blueprint

from ..services import refunds
from .endpoint import JSON, Call, endpoint, page_envelope
from .responses import Refund, RefundList
from .schemas import CreateRefund, Page

bp = Blueprint(__name__)
TAGS = ("refunds",)


def _create(call: Call[CreateRefund, None]) -> JSON:
    body = call.body
    return refunds.create(
        call.merchant.id,
        call.params["id"],
        body.amount,
        body.reason,
        call.idempotency_key,
        body.notes,
        actor=call.actor,
    )


@endpoint(
    bp,
    "POST",
    "/api/v1/payments/{id}/refunds",
    summary="Refund a payment, fully or partly",
    body=CreateRefund,
    status=201,
    idempotent=True,
    response=Refund,
    tags=TAGS,
)
def create_refund(call: Call[CreateRefund, None]) -> JSON:
    return _create(call)


@endpoint(
    bp,
    "POST",
    "/api/v1/payments/{id}/refund",
    summary="Refund a payment (the razorpay clients' path)",
    body=CreateRefund,
    status=201,
    idempotent=True,
    response=Refund,
    tags=TAGS,
)
def create_refund_razorpay_path(call: Call[CreateRefund, None]) -> JSON:
    return _create(call)


@endpoint(
    bp,
    "GET",
    "/api/v1/payments/{id}/refunds",
    summary="List a payment's refunds",
    query=Page,
    response=RefundList,
    tags=TAGS,
)
def list_payment_refunds(call: Call[None, Page]) -> JSON:
    q = call.query
    return page_envelope(refunds.list_for_payment(call.merchant.id, call.params["id"], q.limit, q.offset, q.cursor), q)


@endpoint(
    bp,
    "GET",
    "/api/v1/payments/{id}/refunds/{refund_id}",
    summary="Fetch one refund of a payment",
    response=Refund,
    tags=TAGS,
)
def get_payment_refund(call: Call[None, None]) -> JSON:
    return refunds.get(call.merchant.id, call.params["refund_id"], call.params["id"])


@endpoint(
    bp, "GET", "/api/v1/refunds", summary="List refunds, newest first", query=Page, response=RefundList, tags=TAGS
)
def list_refunds(call: Call[None, Page]) -> JSON:
    q = call.query
    return page_envelope(refunds.list_refunds(call.merchant.id, q.limit, q.offset, q.cursor), q)


@endpoint(bp, "GET", "/api/v1/refunds/{id}", summary="Fetch a refund", response=Refund, tags=TAGS)
def get_refund(call: Call[None, None]) -> JSON:
    return refunds.get(call.merchant.id, call.params["id"])
