"""Request models: validation for every endpoint, and the source of the OpenAPI description."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..domain import clock, cursors, instruments, money
from ..domain.events import EVENT_TYPES
from ..domain.razorpay import EVENTS as RAZORPAY_EVENTS
from ..services import card_macs

RAZORPAY_ONLY_EVENTS = tuple(event for event in RAZORPAY_EVENTS if event not in EVENT_TYPES)

Amount = Annotated[StrictInt, Field(ge=1, le=money.MAX_AMOUNT, description="Integer minor units")]

# Line breaks and tabs are text a merchant may mean (an address in notes); every other control
# character (NUL, ESC, DEL, the C1 range) is not, and breaks logs, CSV exports and receivers.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _printable(value: str) -> str:
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS:
            raise PydanticCustomError(
                "control_character",
                "contains the control character {char} at position {position}",
                {"char": f"U+{ord(char):04X}", "position": position},
            )
    return value


Printable = AfterValidator(_printable)
"""Marks free text a merchant stores and shows (after its length constraints, so that their
messages stay those of a string)."""


class FieldError(ValueError):
    """A model-level error that still names its field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Body(BaseModel):
    # Validators are built on first use, not at import: a Lambda cold start pays only for its own.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, defer_build=True)


Notes = Annotated[
    dict[
        Annotated[StrictStr, Field(min_length=1, max_length=40), Printable],
        Annotated[StrictStr, Field(max_length=256), Printable],
    ],
    Field(max_length=15),
]
"""Up to 15 string notes (keys 1-40, values up to 256 characters), as Razorpay's: orders and refunds."""


class CreateOrder(Body):
    amount: Annotated[
        StrictInt,
        Field(ge=money.MIN_ORDER_AMOUNT, le=money.MAX_AMOUNT, description="Integer minor units, at least 100"),
    ]
    currency: Annotated[StrictStr, Field(min_length=3, max_length=3)] = "INR"
    receipt: Annotated[StrictStr, Field(max_length=40), Printable] | None = None
    notes: Notes | None = None

    @field_validator("currency")
    @classmethod
    def known_currency(cls, value: str) -> str:
        code = value.upper()
        if not money.is_known_currency(code):
            raise ValueError(f"Unsupported currency: {value}")
        return code


def _month(value: object) -> object:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _year(value: object) -> object:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) in (2, 4):
        return int(value)
    return value


class CardIn(Body):
    number: Annotated[StrictStr, Field(min_length=12, max_length=23)]
    # Constraints before the BeforeValidator, so that the JSON schema says minimum/maximum.
    expiry_month: Annotated[StrictInt, Field(ge=1, le=12), BeforeValidator(_month)]
    expiry_year: Annotated[StrictInt, Field(ge=0, le=2199, description="2 or 4 digits"), BeforeValidator(_year)]
    cvv: Annotated[StrictStr, Field(min_length=3, max_length=4)]
    holder_name: Annotated[StrictStr, Field(max_length=100), Printable] | None = None

    @field_validator("number")
    @classmethod
    def luhn(cls, value: str) -> str:
        digits = instruments.digits_only(value)
        if not instruments.passes_luhn(digits):
            raise ValueError("Invalid card number")
        return digits

    @field_validator("cvv")
    @classmethod
    def cvv_digits(cls, value: str) -> str:
        if not instruments.is_valid_cvv(value):
            raise ValueError("CVV must be 3 or 4 digits")
        return value

    @field_validator("expiry_year")
    @classmethod
    def year_form(cls, value: int) -> int:
        if not (0 <= value <= 99 or 2000 <= value <= 2199):
            raise ValueError("expiry_year must be a 2- or 4-digit year")
        return value

    @model_validator(mode="after")
    def not_expired(self) -> Self:
        if instruments.is_expired(self.expiry_month, self.expiry_year, clock.now()):
            raise FieldError("expiry_year", "Card has expired")
        return self


class CreatePayment(Body):
    order_id: Annotated[
        StrictStr, Field(min_length=1, max_length=64, validation_alias=AliasChoices("order_id", "orderId"))
    ]
    method: Literal["upi", "card"]
    vpa: Annotated[StrictStr, Field(max_length=320)] | None = None
    card: CardIn | None = None
    test_outcome: Annotated[
        Literal["success", "failure", "decline"] | None,
        Field(
            description="This payment's outcome, whatever its instrument: accepted only where test "
            "endpoints are enabled (TEST_ENDPOINTS=true), a 400 elsewhere"
        ),
    ] = None

    @field_validator("vpa")
    @classmethod
    def vpa_form(cls, value: str | None) -> str | None:
        if value is not None and not instruments.is_valid_vpa(value):
            raise ValueError("Invalid VPA: expected the form name@handle")
        return value

    @model_validator(mode="after")
    def instrument_matches_method(self) -> Self:
        if self.method == "upi" and not self.vpa:
            raise FieldError("vpa", "vpa is required for UPI payments")
        if self.method == "card" and self.card is None:
            raise FieldError("card", "card is required for card payments")
        if self.method == "upi" and self.card is not None:
            raise FieldError("card", "card must not be sent with method upi")
        if self.method == "card" and self.vpa is not None:
            raise FieldError("vpa", "vpa must not be sent with method card")
        return self

    def idempotency_view(self, merchant_id: str) -> dict[str, Any]:
        """The body as an idempotency fingerprint holds it: the card as its network, last four and
        keyed MAC (services/card_macs.py), never its number, expiry or CVV (api/endpoint.py)."""
        # Without a test outcome the view is what it was before the field existed: a key stored
        # by an earlier version still matches its retry.
        view = self.model_dump(
            mode="json", exclude={"card"} | ({"test_outcome"} if self.test_outcome is None else set())
        )
        if self.card is not None:
            c = self.card
            view["card"] = card_macs.fingerprint(merchant_id, c.number, c.expiry_month, c.expiry_year, c.holder_name)
        return view


class CreatePublicPayment(CreatePayment):
    key: Annotated[StrictStr, Field(max_length=128)] | None = None


class Capture(Body):
    amount: Amount
    currency: Annotated[StrictStr, Field(min_length=3, max_length=3)] | None = None


class CreateRefund(Body):
    amount: Amount
    reason: Annotated[StrictStr, Field(max_length=255), Printable] | None = None
    notes: Notes | None = None


class WebhookSettings(Body):
    url: Annotated[StrictStr, Field(max_length=2048)] | None
    events: list[Literal[EVENT_TYPES]] | None = None  # type: ignore[valid-type]  # the tuple domain.events.EVENT_TYPES, spread by Literal at run time


_Subscribable = Literal[(*EVENT_TYPES, "endpoint.disabled", *RAZORPAY_ONLY_EVENTS)]  # type: ignore[valid-type]  # services/webhook_endpoints.SUBSCRIBABLE and Razorpay's
_Format = Literal["gateway", "razorpay"]


_Rate = Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)]


class ChaosSettings(Body):
    """Chaos mode (docs/webhooks.md, "Chaos mode"): each rate from 0 to 1; all 0 turns it off."""

    duplicate: _Rate = Field(default=0, description="The same delivery POSTed twice")
    reorder: _Rate = Field(default=0, description="Held back up to delay_seconds, so later events overtake it")
    delay: _Rate = Field(default=0, description="Held back delay_seconds")
    crash: _Rate = Field(default=0, description="POSTed, then redelivered as after a crash before it was recorded")
    delay_seconds: Annotated[StrictInt, Field(ge=1, le=900)] = 10


class CreateWebhookEndpoint(Body):
    url: Annotated[StrictStr, Field(max_length=2048)]
    events: list[_Subscribable] | None = None  # absent or null: every event
    description: Annotated[StrictStr, Field(max_length=500), Printable] | None = None
    chaos: ChaosSettings | None = Field(default=None, description="Only where CHAOS_ENABLED is on (local stacks)")
    format: _Format = Field(default="gateway", description="gateway (the seed's body) or razorpay (Razorpay's)")


class UpdateWebhookEndpoint(Body):
    """Only the fields sent change (events null: every event)."""

    url: Annotated[StrictStr, Field(max_length=2048)] | None = None
    events: list[_Subscribable] | None = None
    description: Annotated[StrictStr, Field(max_length=500), Printable] | None = None
    enabled: StrictBool | None = None
    chaos: ChaosSettings | None = Field(default=None, description="Null turns chaos mode off")
    format: _Format | None = None


class RotateWebhookSecret(Body):
    overlap_seconds: Annotated[StrictInt, Field(ge=0, le=7 * 24 * 3600)] | None = Field(
        default=None,
        description="How long the replaced secret keeps signing; WEBHOOK_SECRET_OVERLAP_SECONDS by default",
    )


class Login(Body):
    email: Annotated[StrictStr, Field(min_length=3, max_length=254)]
    password: Annotated[StrictStr, Field(min_length=1, max_length=256)]


class RevealCredentials(Body):
    password: Annotated[StrictStr, Field(min_length=1, max_length=256, description="The dashboard password")]


class RotateCredentials(Body):
    password: Annotated[
        StrictStr | None,
        Field(
            default=None,
            min_length=1,
            max_length=256,
            description="The dashboard password: required from a dashboard session, ignored with the API secret",
        ),
    ] = None


# Query strings: every value arrives as text, so these parse leniently.


def _int_text(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d{1,12}", text):
            return int(text)
    return value


MAX_OFFSET = 1000


class Page(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    limit: Annotated[int, Field(ge=1, le=100, description="Also accepted as `count`"), BeforeValidator(_int_text)] = 10
    offset: Annotated[
        int,
        Field(
            ge=0,
            le=MAX_OFFSET,
            description="Also accepted as `skip`. Kept for offset clients, and bounded: page on with `cursor`",
        ),
        BeforeValidator(_int_text),
    ] = 0
    cursor: (
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=cursors.MAX_LENGTH,
                description="The `next_cursor` of the previous page (opaque); not with a non-zero offset",
            ),
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def cursor_or_offset(self) -> Self:
        if self.cursor is not None and self.offset:
            raise FieldError("cursor", "cursor cannot be combined with a non-zero offset")
        return self

    @model_validator(mode="before")
    @classmethod
    def razorpay_names(cls, data: Any) -> Any:
        """The razorpay clients page with count and skip."""
        if isinstance(data, dict):
            data = dict(data)
            if "count" in data and "limit" not in data:
                data["limit"] = data.pop("count")
            if "skip" in data and "offset" not in data:
                data["offset"] = data.pop("skip")
        return data


def _moment(value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{1,12}", text):
            return clock.iso(datetime.fromtimestamp(int(text), UTC))
        return clock.iso(clock.parse_iso(text))
    except (ValueError, OverflowError, OSError):  # years past 9999 or before 1 overflow
        raise ValueError("must be unix seconds or an ISO-8601 time") from None


_MOMENT = "Unix seconds or an ISO-8601 time, e.g. 1795833600 or 2026-11-28T00:00:00Z"


class PaymentQuery(Page):
    status: Literal["pending", "success", "failed"] | None = None
    from_: Annotated[str | None, BeforeValidator(_moment), Field(alias="from", description=_MOMENT)] = None
    to: Annotated[str | None, BeforeValidator(_moment), Field(description=_MOMENT)] = None


EndpointIdText = Annotated[
    StrictStr,
    Field(pattern=r"^we_[A-Za-z0-9]{16}$", description="A webhook endpoint's id", examples=["we_9A8b7C6d5E4f3G2h"]),
]
DeliveryStatus = Literal["pending", "success", "failed", "skipped"]


class WebhookQuery(Page):
    status: DeliveryStatus | None = None
    event: Literal[EVENT_TYPES] | None = None  # type: ignore[valid-type]  # the tuple domain.events.EVENT_TYPES, spread by Literal at run time
    endpoint_id: EndpointIdText | None = None


def _moment_text(value: object) -> str | None:
    """A time in a JSON body: a string, as the document says (unix seconds are given as text)."""
    if value is not None and not isinstance(value, str):
        raise ValueError("must be a string: unix seconds or an ISO-8601 time")
    return _moment(value)


class EventFeedQuery(BaseModel):
    """Where the events feed continues: after a cursor it gave, or from a time (`now`: the
    server's), or from the oldest event kept."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    after: Annotated[
        str | None, Field(max_length=cursors.MAX_LENGTH, description="The next_cursor of a previous page")
    ] = None
    since: Annotated[
        str | None,
        BeforeValidator(lambda value: value if value == "now" else _moment(value)),
        Field(description=_MOMENT + ", or `now`; ignored with `after`"),
    ] = None
    limit: Annotated[int, Field(ge=1, le=100), BeforeValidator(_int_text)] = 50


class WebhookReplay(Body):
    """Which deliveries to schedule again: those created in [since, until) that match."""

    since: Annotated[str, BeforeValidator(_moment_text), Field(description=_MOMENT)]
    until: Annotated[str | None, BeforeValidator(_moment_text), Field(description=_MOMENT + "; now when absent")] = None
    status: DeliveryStatus | None = None
    event: Literal[EVENT_TYPES] | None = None  # type: ignore[valid-type]  # as WebhookQuery's
    endpoint_id: EndpointIdText | None = None

    @model_validator(mode="after")
    def ordered(self) -> Self:
        if self.until is not None and self.since >= self.until:
            raise FieldError("until", "until must be after since")
        return self


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    days: Annotated[int, Field(ge=1, le=90), BeforeValidator(_int_text)] = 30


class PublicKeyQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    key: Annotated[str, Field(max_length=128)] | None = None


class NewTestMerchant(Body):
    name: Annotated[StrictStr, Field(min_length=1, max_length=100), Printable] = "Test Merchant"
    webhook_url: Annotated[StrictStr, Field(max_length=2048)] | None = None
