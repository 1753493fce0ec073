"""Response models: what every endpoint answers, for the OpenAPI description.

The services build their JSON as plain dicts (chalicelib/services/entities.py); these models
describe that JSON and nothing else, and the contract tests (tests/contract/) check every live
response against them. They are never built on the request path: `defer_build` keeps importing
this module cheap, and pydantic builds a model's schema only when /openapi.json is first asked for.
"""

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

from ..domain.endpoints import ENDPOINT_DISABLED
from ..domain.events import EVENT_TYPES
from ..domain.razorpay import EVENTS as RAZORPAY_EVENTS


class Shape(BaseModel):
    """Every key is always present (null when empty), and there are no others."""

    model_config = ConfigDict(defer_build=True, extra="forbid")


def _id(prefix: str) -> FieldInfo:
    field: FieldInfo = Field(pattern=f"^{prefix}_[A-Za-z0-9]{{16}}$", examples=[f"{prefix}_9A8b7C6d5E4f3G2h"])
    return field


OrderId = Annotated[str, _id("order")]
PaymentId = Annotated[str, _id("pay")]
RefundId = Annotated[str, _id("rfnd")]
EventId = Annotated[str, _id("evt")]
DeliveryId = Annotated[
    str,
    Field(
        pattern="^(evt|whd)_[A-Za-z0-9]{16}$",
        description="The default endpoint's delivery has the event's id; another endpoint's, a `whd_` id",
        examples=["whd_9A8b7C6d5E4f3G2h"],
    ),
]
EndpointId = Annotated[str, _id("we")]
MerchantId = Annotated[str, Field(examples=["550e8400-e29b-41d4-a716-446655440000"])]
Amount = Annotated[int, Field(ge=0, description="Integer minor units (paise for INR)")]
Currency = Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 4217", examples=["INR"])]
Moment = Annotated[
    datetime, Field(description="UTC ISO-8601 with a Z, to the millisecond", examples=["2026-11-28T05:35:36.123Z"])
]
EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]  # the tuple domain.events.EVENT_TYPES, spread by Literal at run time
# What a delivery can announce: the merchant's events, and the gateway's own about its endpoints.
DeliveredEventType = Literal[(*EVENT_TYPES, ENDPOINT_DISABLED, *RAZORPAY_EVENTS)]  # type: ignore[valid-type]
PaymentStatus = Literal["pending", "success", "failed"]
PaymentErrorCode = Literal[
    "PAYMENT_FAILED",
    "CARD_DECLINED",
    "ORDER_ALREADY_PAID",
    # Razorpay's documented test cards' failures (domain/razorpay_instruments.py).
    "PAYMENT_TIMED_OUT",
    "INSUFFICIENT_FUNDS",
    "PAYMENT_CANCELLED",
    "CARD_DISABLED_FOR_ONLINE_PAYMENTS",
    "CARD_NUMBER_INVALID",
    "GATEWAY_TECHNICAL_ERROR",
    "AUTHENTICATION_FAILED",
]


# Errors

ErrorCode = Literal[
    "BAD_REQUEST_ERROR",
    "AUTHENTICATION_ERROR",
    "NOT_FOUND_ERROR",
    "METHOD_NOT_ALLOWED",
    "UNSUPPORTED_MEDIA_TYPE",
    "CONFLICT_ERROR",
    "IDEMPOTENCY_KEY_IN_USE",
    "IDEMPOTENCY_KEY_REUSED",
    "TOO_MANY_REQUESTS",
    "SERVICE_UNAVAILABLE",
    "SERVER_ERROR",
]


def _without_default(schema: JsonDict) -> None:
    schema.pop("default")


class ErrorDetail(Shape):
    code: ErrorCode
    description: str
    field: str = Field(
        None,
        description="The input at fault, when it is one field",  # type: ignore[assignment]  # absent, never null
        json_schema_extra=_without_default,
    )


class Error(Shape):
    """Every error the API answers."""

    error: ErrorDetail


# Orders


class Order(Shape):
    id: OrderId
    merchant_id: MerchantId
    amount: Amount
    currency: Currency
    receipt: str | None
    notes: dict[str, str]
    status: Literal["created", "paid"]
    created_at: Moment


class PublicOrder(Shape):
    """An order as the checkout page sees it."""

    id: OrderId
    amount: Amount
    currency: Currency
    status: Literal["created", "paid"]
    receipt: str | None
    merchant_name: str


# Payments


class Payment(Shape):
    id: PaymentId
    merchant_id: MerchantId
    order_id: OrderId
    amount: Amount
    currency: Currency
    method: Literal["upi", "card"]
    vpa: str | None
    card_network: Literal["visa", "mastercard", "amex", "rupay", "unknown"] | None
    card_last4: Annotated[str, Field(pattern="^[0-9]{4}$")] | None
    status: PaymentStatus
    captured: bool
    captured_at: Moment | None
    amount_captured: Amount = Field(description="The amount captured: 0 until captured, then the whole amount")
    amount_refunded: Amount
    refund_status: Literal["partial", "full"] | None
    error_code: PaymentErrorCode | None
    error_description: str | None
    created_at: Moment
    updated_at: Moment
    notes: dict[str, str] | None = Field(
        default=None, description="Razorpay's payment notes, on payments given notes through /v1"
    )


class PublicPayment(Shape):
    """A payment as the checkout page sees it."""

    id: PaymentId
    order_id: OrderId
    amount: Amount
    currency: Currency
    method: Literal["upi", "card"]
    status: PaymentStatus
    error_code: PaymentErrorCode | None
    error_description: str | None
    created_at: Moment


class CheckoutSuccess(Shape):
    """A successful payment as Razorpay's checkout reports it to the merchant's handler."""

    razorpay_payment_id: PaymentId
    razorpay_order_id: OrderId
    razorpay_signature: Annotated[
        str,
        Field(
            pattern="^[0-9a-f]{64}$",
            description='Hex HMAC-SHA256 of "order_id|payment_id" keyed with the API secret',
        ),
    ]


class StatsDay(Shape):
    date: date
    count: int
    amount: Amount
    success: int
    failed: int
    pending: int


class Stats(Shape):
    total_transactions: int
    total_amount: Amount = Field(description="Successful payments in `currency`")
    success_rate: float = Field(ge=0, le=100, description="Percent of finished payments that succeeded")
    currency: Currency = Field(description="The merchant's most used currency in the period")
    days: int = Field(ge=1, le=90)
    series: list[StatsDay] = Field(description="One entry per day, oldest first")


# Refunds


class Refund(Shape):
    id: RefundId
    merchant_id: MerchantId
    payment_id: PaymentId
    amount: Amount
    currency: Currency
    reason: str | None
    notes: dict[str, str]
    status: Literal["pending", "processed"]
    created_at: Moment
    processed_at: Moment | None
    speed_requested: Literal["normal", "optimum"] | None = Field(
        default=None, description="Razorpay's speed, on refunds created through /v1 with one"
    )


# Audit log


class AuditActor(Shape):
    type: Literal["api_key", "dashboard"] = Field(description="How the caller authenticated")
    id: str = Field(description="The API key (never its secret), or the dashboard user's email")


class AuditEntry(Shape):
    id: Annotated[str, _id("audit")]
    entity: Literal["audit_entry"]
    action: Literal[
        "payment.capture",
        "refund.create",
        "webhook.update",
        "webhook.secret_regenerate",
        "webhook.replay",
        "credentials.rotate",
        "sessions.revoke",
        "webhook_endpoint.create",
        "webhook_endpoint.update",
        "webhook_endpoint.delete",
        "webhook_endpoint.secret_rotate",
        "webhook_endpoint.secret_promote",
        "webhook_endpoint.check",
    ]
    entity_type: Literal["payment", "refund", "merchant", "webhook_endpoint"]
    entity_id: str
    summary: str = Field(description="What changed, for people; never a secret")
    actor: AuditActor
    source_ip: str | None = Field(description="The request's source IP as API Gateway saw it")
    created_at: Moment


# Webhooks


class WebhookDelivery(Shape):
    id: DeliveryId
    event_id: EventId = Field(description="The event's id: the `webhook-id` header of every attempt")
    endpoint_id: EndpointId = Field(description="The endpoint this delivery is for")
    event: DeliveredEventType
    entity: Literal["payment", "refund"] | None = Field(description="What the event is about; none for a test event")
    entity_id: str | None = Field(description="The payment's or refund's id")
    payment_id: str | None = Field(description="The payment the event concerns (a refund's payment)")
    endpoint: str | None = Field(description="The URL of the last attempt; none before the first")
    status: Literal["pending", "success", "failed", "skipped"]
    attempts: int = Field(ge=0, description="Every attempt made, manual retries' included")
    created_at: Moment
    last_attempt_at: Moment | None
    next_retry_at: Moment | None
    response_code: int | None


class WebhookAttempt(Shape):
    number: int = Field(ge=1)
    at: Moment
    url: str | None
    response_code: int | None
    response_body: str | None = Field(description="Cut to 4 KB")
    error: str | None
    duration_ms: int = Field(ge=0)
    chaos: str | None = Field(description="Chaos mode's doing, comma-separated: duplicate, reorder, delay, crash")


class WebhookDeliveryDetail(WebhookDelivery):
    payload: dict[str, Any] = Field(description="The exact JSON object that was signed and sent")
    skip_reason: Literal["no_webhook_url", "not_subscribed", "endpoint_disabled"] | None
    attempt_log: list[WebhookAttempt] = Field(description="The latest ten attempts, oldest first")
    earlier_attempts: int = Field(ge=0, description="Attempts made before those in attempt_log, no longer kept")


class WebhookScheduled(Shape):
    id: DeliveryId
    status: Literal["pending"]
    message: str


class ChaosRates(Shape):
    duplicate: float = Field(ge=0, le=1)
    reorder: float = Field(ge=0, le=1)
    delay: float = Field(ge=0, le=1)
    crash: float = Field(ge=0, le=1)
    delay_seconds: int = Field(ge=1, le=900)


class WebhookEndpoint(Shape):
    id: Annotated[str, _id("we")]
    entity: Literal["webhook_endpoint"]
    url: str | None = Field(description="None only for a default endpoint whose URL was cleared")
    events: list[Literal[(*EVENT_TYPES, "endpoint.disabled", *RAZORPAY_EVENTS)]] | None = Field(  # type: ignore[valid-type]
        description="The events it receives; null: every event (of its format)"
    )
    description: str
    enabled: bool
    disabled_reason: Literal["disabled_by_merchant", "gone", "failing"] | None
    disabled_at: Moment | None
    failing_since: Moment | None = Field(description="Its first failed attempt since its last success")
    is_default: bool = Field(description="The endpoint PUT /api/v1/merchant/webhook edits")
    format: Literal["gateway", "razorpay"] = Field(
        description="gateway: the seed's body and signatures; razorpay: Razorpay's events, envelope and "
        "X-Razorpay-Signature (docs/razorpay.md)"
    )
    secret_set: bool
    secret_rotated_at: Moment | None
    previous_secret_expires_at: Moment | None = Field(
        description="During a rotation's overlap: until when the replaced secret still signs"
    )
    secret_promoted: bool = Field(
        description="False during an overlap until promoted: X-Webhook-Signature keeps the replaced secret's "
        "signature and X-Webhook-Signature-New carries the new one's"
    )
    chaos: ChaosRates | None = Field(description="Chaos mode's rates (local stacks only); null: off")
    created_at: Moment
    updated_at: Moment | None


class EndpointCheckCase(Shape):
    case: Literal["valid", "duplicate", "tampered_body", "wrong_signature", "no_signature", "stale_timestamp"]
    expected: Literal["accept", "reject"]
    status: int | None = Field(description="The receiver's HTTP status; null: no answer, or not sent")
    accepted: bool = Field(description="It answered 2xx")
    passed: bool
    error: str | None = Field(description="Why no answer came (timeout, refused URL, ...), or why it was not sent")


class EndpointCheck(Shape):
    endpoint_id: Annotated[str, _id("we")]
    passed: bool = Field(description="Every case behaved as expected")
    results: list[EndpointCheckCase]


class WebhookEndpointWithSecret(WebhookEndpoint):
    secret: Annotated[str, Field(pattern="^whsec_", description="Shown this once")]


class WebhookEndpointUpdated(WebhookEndpoint):
    missed_since: Moment | None = Field(
        description="When re-enabled: when it had stopped, to replay what it missed (POST /api/v1/webhooks/replay)"
    )


class WebhookEndpointList(Shape):
    entity: Literal["collection"]
    count: int = Field(ge=0)
    items: list[WebhookEndpoint]


class WebhookEndpointDeleted(Shape):
    id: Annotated[str, _id("we")]
    entity: Literal["webhook_endpoint"]
    deleted: Literal[True]


# Merchants and sessions


class MerchantProfile(Shape):
    id: MerchantId
    name: str
    email: str
    api_key: str
    webhook_url: str | None
    webhook_events: list[EventType] = Field(description="Subscribed event types; all of them by default")
    webhook_secret_set: bool
    created_at: Moment


class Credentials(Shape):
    api_key: str
    api_secret: str | None = Field(
        description="Null for a dashboard session: it reveals the secret with its password (POST .../reveal)"
    )
    webhook_secret: str | None
    api_secret_rotated_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="When the secret replaced by the last rotation stops working; null once it has"
    )
    api_secret_overlap_seconds: int = Field(description="How long a rotated-out secret keeps working")


class RotatedCredentials(Shape):
    api_key: str
    api_secret: Annotated[str, Field(pattern="^secret_", description="The new secret, shown this once")]
    rotated_at: datetime
    previous_secret_expires_at: Annotated[
        datetime, Field(description="When the replaced secret stops working (API_SECRET_OVERLAP_SECONDS)")
    ]


class WebhookSecret(Shape):
    webhook_secret: Annotated[str, Field(pattern="^whsec_")]
    previous_secret_expires_at: Moment | None = Field(
        default=None, description="The replaced secret keeps signing until then (a rotation's overlap)"
    )


class SessionMerchant(Shape):
    id: MerchantId
    name: str
    email: str


class LoginResponse(Shape):
    token: str
    token_type: Literal["Bearer"]
    expires_at: Moment
    merchant: SessionMerchant


class LogoutResponse(Shape):
    logged_out: Literal[True]


class LogoutEverywhereResponse(Shape):
    logged_out: Literal[True]
    sessions_revoked: Literal[True]


# Health and test endpoints


class Health(Shape):
    status: Literal["UP", "DOWN"]
    dynamodb: Literal["UP", "DOWN"]
    sqs: Literal["UP", "DOWN"]
    stage: str


class SeededMerchant(Shape):
    id: MerchantId
    email: str
    api_key: str
    seeded: Literal[True]


class CreatedMerchant(Shape):
    """All of a new merchant's credentials, shown this once."""

    id: MerchantId
    name: str
    email: str
    password: str
    api_key: str
    api_secret: str
    webhook_secret: str
    webhook_url: str | None


class JobsStatus(Shape):
    pending: int = Field(ge=0)
    processing: int = Field(ge=0)
    completed: int = Field(ge=0)
    failed: int = Field(ge=0)
    worker_status: Literal["running", "stopped"]


class OpenApiDocument(BaseModel):
    """This description itself."""

    model_config = ConfigDict(defer_build=True, extra="allow")
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


# Lists: newest first, paged by cursor (or, bounded, by offset).

Item = TypeVar("Item")


class ListOf(Shape, Generic[Item]):
    data: list[Item]
    total: int | None = Field(
        ge=0, description="Items matching, on every page; null where no exact count exists (a time range)"
    )
    limit: int = Field(ge=1, le=100)
    offset: int = Field(ge=0, le=1000)
    has_more: bool = Field(description="Whether a next page exists")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class OrderList(ListOf[Order]):
    pass


class PaymentList(ListOf[Payment]):
    pass


class RefundList(ListOf[Refund]):
    pass


class WebhookDeliveryList(ListOf[WebhookDelivery]):
    pass


class FeedEvent(Shape):
    id: str = Field(description="The event's id: the one its webhooks carry", examples=["evt_9A8b7C6d5E4f3G2h"])
    event: DeliveredEventType
    entity_id: str
    created_at: Moment
    payload: dict[str, Any] = Field(description="The body the event's webhooks carry, parsed")


class EventFeed(Shape):
    items: list[FeedEvent]
    next_cursor: str = Field(description="Where the feed continues: pass it as `after`")
    has_more: bool = Field(description="Whether more events are ready now (else poll again later)")


class WebhookReplayed(Shape):
    count: int = Field(ge=0, description="Deliveries this replay scheduled")


class AuditEntryList(ListOf[AuditEntry]):
    pass
