"""Razorpay's payments (/v1/payments): fetch, list, capture, refund and the S2S UPI payment."""

from __future__ import annotations

from chalice import Blueprint

from ..services import razorpay_face as face
from .endpoint import JSON, Call, endpoint
from .rzp_responses import (
    RazorpayPayment,
    RazorpayPaymentCollection,
    RazorpayRefund,
    RazorpayRefundCollection,
    UpiPaymentCreated,
    answers,
)
from .rzp_schemas import CreateUpiPayment, EditNotes, RefundPayment
from .schemas import Capture, Page, PaymentQuery

bp = Blueprint(__name__)
TAGS = ("razorpay",)


@endpoint(
    bp,
    "GET",
    "/v1/payments",
    summary="List payments, newest first, by creation time (Razorpay)",
    query=PaymentQuery,
    response=answers(200, RazorpayPaymentCollection),
    tags=TAGS,
)
def rzp_list_payments(call: Call[None, PaymentQuery]) -> JSON:
    q = call.query
    return face.list_payments(call.merchant.id, q.limit, q.offset, q.from_, q.to)


@endpoint(
    bp,
    "GET",
    "/v1/payments/{id}",
    summary="Fetch a payment (Razorpay)",
    response=answers(200, RazorpayPayment),
    tags=TAGS,
)
def rzp_get_payment(call: Call[None, None]) -> JSON:
    return face.get_payment(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "POST",
    "/v1/payments/{id}/capture",
    summary="Capture an authorized payment (Razorpay)",
    body=Capture,
    idempotent=True,
    response=answers(200, RazorpayPayment),
    tags=TAGS,
)
def rzp_capture_payment(call: Call[Capture, None]) -> JSON:
    body = call.body
    return face.capture(call.merchant, call.params["id"], body.amount, body.currency, call.actor)


@endpoint(
    bp,
    "POST",
    "/v1/payments/{id}/refund",
    summary="Refund a captured payment; no amount refunds the rest (Razorpay)",
    body=RefundPayment,
    idempotent=True,
    response=answers(200, RazorpayRefund),
    tags=TAGS,
)
def rzp_refund_payment(call: Call[RefundPayment, None]) -> JSON:
    body = call.body
    return face.refund(
        call.merchant.id, call.params["id"], body.amount, body.speed, body.notes, call.idempotency_key, call.actor
    )


@endpoint(
    bp,
    "GET",
    "/v1/payments/{id}/refunds",
    summary="A payment's refunds (Razorpay)",
    query=Page,
    response=answers(200, RazorpayRefundCollection),
    tags=TAGS,
)
def rzp_payment_refunds(call: Call[None, Page]) -> JSON:
    return face.payment_refunds(call.merchant.id, call.params["id"], call.query.limit, call.query.offset)


@endpoint(
    bp,
    "GET",
    "/v1/payments/{id}/refunds/{refund_id}",
    summary="One refund of a payment (Razorpay)",
    response=answers(200, RazorpayRefund),
    tags=TAGS,
)
def rzp_payment_refund(call: Call[None, None]) -> JSON:
    return face.get_refund(call.merchant.id, call.params["refund_id"], call.params["id"])


@endpoint(
    bp,
    "POST",
    "/v1/payments/create/upi",
    summary="Create a UPI collect payment server-to-server (Razorpay)",
    body=CreateUpiPayment,
    idempotent=True,
    response=answers(200, UpiPaymentCreated),
    tags=TAGS,
)
def rzp_create_upi_payment(call: Call[CreateUpiPayment, None]) -> JSON:
    body = call.body
    return face.create_upi_payment(
        call.merchant.id, body.order_id, body.vpa or "", body.amount, body.currency, body.notes, call.idempotency_key
    )


@endpoint(
    bp,
    "PATCH",
    "/v1/payments/{id}",
    summary="Replace a payment's notes (Razorpay)",
    body=EditNotes,
    response=answers(200, RazorpayPayment),
    tags=TAGS,
)
def rzp_edit_payment(call: Call[EditNotes, None]) -> JSON:
    return face.edit_payment_notes(call.merchant.id, call.params["id"], call.body.notes)
