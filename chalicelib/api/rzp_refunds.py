"""Razorpay's refunds (/v1/refunds): create, fetch, list."""

from __future__ import annotations

from chalice import Blueprint

from ..services import razorpay_face as face
from .endpoint import JSON, Call, endpoint
from .rzp_responses import RazorpayRefund, RazorpayRefundCollection, answers
from .rzp_schemas import CreateRazorpayRefund, EditNotes
from .schemas import Page

bp = Blueprint(__name__)
TAGS = ("razorpay",)


@endpoint(
    bp,
    "POST",
    "/v1/refunds",
    summary="Refund a captured payment (Razorpay)",
    body=CreateRazorpayRefund,
    idempotent=True,
    response=answers(200, RazorpayRefund),
    tags=TAGS,
)
def rzp_create_refund(call: Call[CreateRazorpayRefund, None]) -> JSON:
    body = call.body
    return face.refund(
        call.merchant.id, body.payment_id, body.amount, body.speed, body.notes, call.idempotency_key, call.actor
    )


@endpoint(
    bp,
    "GET",
    "/v1/refunds",
    summary="List refunds, newest first (Razorpay)",
    query=Page,
    response=answers(200, RazorpayRefundCollection),
    tags=TAGS,
)
def rzp_list_refunds(call: Call[None, Page]) -> JSON:
    return face.list_refunds(call.merchant.id, call.query.limit, call.query.offset)


@endpoint(
    bp, "GET", "/v1/refunds/{id}", summary="Fetch a refund (Razorpay)", response=answers(200, RazorpayRefund), tags=TAGS
)
def rzp_get_refund(call: Call[None, None]) -> JSON:
    return face.get_refund(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "PATCH",
    "/v1/refunds/{id}",
    summary="Replace a refund's notes (Razorpay)",
    body=EditNotes,
    response=answers(200, RazorpayRefund),
    tags=TAGS,
)
def rzp_edit_refund(call: Call[EditNotes, None]) -> JSON:
    return face.edit_refund_notes(call.merchant.id, call.params["id"], call.body.notes)
