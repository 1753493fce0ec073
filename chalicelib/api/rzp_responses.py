"""Response models of Razorpay's face (/v1): Razorpay's entities as domain/razorpay.py builds them,
for the OpenAPI description and the contract tests, like api/responses.py for the seed's."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .endpoint import ResponseSpec
from .responses import Currency, OrderId, PaymentId, RefundId, Shape

UnixTime = Annotated[int, Field(ge=0, description="Unix seconds")]
Minor = Annotated[int, Field(ge=0, description="Integer minor units")]


class RazorpayOrder(Shape):
    id: OrderId
    entity: Literal["order"]
    amount: Minor
    amount_paid: Minor
    amount_due: Minor
    currency: Currency
    receipt: str | None
    offer_id: None
    status: Literal["created", "attempted", "paid"]
    attempts: Annotated[int, Field(ge=0)]
    notes: dict[str, str]
    created_at: UnixTime


class RazorpayCard(Shape):
    id: None
    entity: Literal["card"]
    name: str | None
    last4: str | None
    network: str
    type: None
    issuer: None
    international: bool
    emi: bool
    sub_type: None


class RazorpayPayment(Shape):
    id: PaymentId
    entity: Literal["payment"]
    amount: Minor
    currency: Currency
    status: Literal["created", "authorized", "captured", "refunded", "failed"]
    order_id: OrderId
    invoice_id: None
    international: bool
    method: Literal["upi", "card"]
    amount_refunded: Minor
    refund_status: Literal["partial", "full"] | None
    captured: bool
    description: None
    card_id: None
    card: RazorpayCard | None = Field(default=None, description="On card payments only")
    bank: None
    wallet: None
    vpa: str | None
    email: None
    contact: None
    notes: dict[str, str]
    fee: None
    tax: None
    error_code: Literal["BAD_REQUEST_ERROR"] | None
    error_description: str | None
    error_source: str | None
    error_step: str | None
    error_reason: str | None
    acquirer_data: dict[str, str]
    created_at: UnixTime


class RazorpayRefund(Shape):
    id: RefundId
    entity: Literal["refund"]
    amount: Minor
    currency: Currency
    payment_id: PaymentId
    notes: dict[str, str]
    receipt: None
    acquirer_data: dict[str, None]
    created_at: UnixTime
    batch_id: None
    status: Literal["pending", "processed", "failed"]
    speed_processed: Literal["normal"] | None
    speed_requested: Literal["normal", "optimum"]


class RazorpayOrderCollection(Shape):
    entity: Literal["collection"]
    count: Annotated[int, Field(ge=0)]
    items: list[RazorpayOrder]


class RazorpayPaymentCollection(Shape):
    entity: Literal["collection"]
    count: Annotated[int, Field(ge=0)]
    items: list[RazorpayPayment]


class RazorpayRefundCollection(Shape):
    entity: Literal["collection"]
    count: Annotated[int, Field(ge=0)]
    items: list[RazorpayRefund]


class UpiPaymentCreated(Shape):
    razorpay_payment_id: PaymentId


class RazorpayErrorDetail(Shape):
    code: Literal["BAD_REQUEST_ERROR", "SERVER_ERROR"]
    description: str
    source: str
    step: str
    reason: str
    metadata: dict[str, str]
    field: str | None


class RazorpayError(Shape):
    """Razorpay's error answer (api/rzp_errors.py rewrites every /v1 error into it)."""

    error: RazorpayErrorDetail


# Every status a /v1 operation can answer an error with, all in Razorpay's shape: a missing id is
# a 400 there, but 404 stays declared as every operation with a path parameter declares it.
_ERRORS = (400, 401, 404, 409, 422, 500, 503)


def answers(status: int, model: type[Shape]) -> ResponseSpec:
    return {status: model, **dict.fromkeys(_ERRORS, RazorpayError)}
