"""Request bodies of Razorpay's face (/v1): Razorpay's field names, validated as the seed's are
(amounts, currencies and notes reuse api/schemas.py's rules)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator, model_validator

from ..domain import instruments, money
from ..domain.razorpay import SPEEDS
from .schemas import Amount, Body, CreateOrder, FieldError, Notes, Printable


def _flag(value: Any) -> Any:
    """Razorpay documents payment_capture as true/false and its examples send 1/0."""
    if value in (0, 1) and not isinstance(value, bool):
        return bool(value)
    return value


class CreateRazorpayOrder(CreateOrder):
    payment_capture: Annotated[StrictBool, Field(description="Capture its payment as soon as it succeeds")] = False
    partial_payment: Literal[False] = Field(default=False, description="Partial payments are not emulated")

    @model_validator(mode="before")
    @classmethod
    def flags(cls, data: Any) -> Any:
        if isinstance(data, dict) and "payment_capture" in data:
            data = {**data, "payment_capture": _flag(data["payment_capture"])}
        return data


Speed = Literal[SPEEDS]  # type: ignore[valid-type]  # the tuple domain.razorpay.SPEEDS, spread by Literal


class RefundPayment(Body):
    """POST /v1/payments/{id}/refund: no amount refunds what is left of the payment."""

    amount: Amount | None = None
    speed: Speed = "normal"
    notes: Notes | None = None
    receipt: Annotated[StrictStr, Field(max_length=40), Printable] | None = None


class CreateRazorpayRefund(RefundPayment):
    """POST /v1/refunds."""

    payment_id: Annotated[StrictStr, Field(min_length=1, max_length=64)]


class EditNotes(Body):
    notes: Notes


class UpiDetails(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    flow: Literal["collect"] = "collect"
    vpa: Annotated[StrictStr, Field(max_length=320)] | None = None


class CreateUpiPayment(BaseModel):
    """POST /v1/payments/create/upi (the client's payment.createUpi): Razorpay's S2S body. The
    customer's email, contact, ip and user agent are accepted and not kept."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    order_id: Annotated[StrictStr, Field(min_length=1, max_length=64)]
    method: Literal["upi"] = "upi"
    amount: StrictInt | None = None
    currency: Annotated[StrictStr, Field(min_length=3, max_length=3)] | None = None
    vpa: Annotated[StrictStr, Field(max_length=320)] | None = None
    upi: UpiDetails | None = None
    notes: Notes | None = None

    @field_validator("currency")
    @classmethod
    def known_currency(cls, value: str | None) -> str | None:
        if value is not None and not money.is_known_currency(value.upper()):
            raise ValueError(f"Unsupported currency: {value}")
        return value.upper() if value else value

    @model_validator(mode="after")
    def one_vpa(self) -> Self:
        vpa = self.vpa or (self.upi.vpa if self.upi else None)
        if not vpa:
            raise FieldError("vpa", "The vpa field is required")
        if not instruments.is_valid_vpa(vpa):
            raise FieldError("vpa", "Invalid VPA: expected the form name@handle")
        self.vpa = vpa
        return self
