"""Payments: create (by merchants and by the checkout page), read, capture, statistics."""

from __future__ import annotations

from dataclasses import replace

from chalice import Blueprint

from ..config import settings
from ..domain import instruments
from ..domain import payments as rules
from ..domain.errors import BadRequest
from ..services import card_macs, entities, payments, stats
from ..services.payments import PaymentRequest
from .endpoint import JSON, PUBLIC_KEY, Call, endpoint, page_envelope
from .responses import Error, Payment, PaymentList, PublicPayment, Stats
from .schemas import Capture, CreatePayment, CreatePublicPayment, PaymentQuery, PublicKeyQuery, StatsQuery

bp = Blueprint(__name__)
TAGS = ("payments",)


def _request(merchant_id: str, body: CreatePayment) -> PaymentRequest:
    """Keep only what may be stored: the card number and CVV end here (the number's keyed MAC
    stays, for retries under the payment's idempotency key to be compared with). A requested
    test outcome is kept as the test instrument that has it."""
    request = _instrument_request(merchant_id, body)
    if body.test_outcome is None:
        return request
    if not settings().test_endpoints:
        raise BadRequest(
            "test_outcome is accepted only where test endpoints are enabled (TEST_ENDPOINTS=true, "
            "the local stack); elsewhere the outcome follows the instrument",
            "test_outcome",
        )
    return replace(request, instrument=rules.TEST_OUTCOMES[body.test_outcome])


def _instrument_request(merchant_id: str, body: CreatePayment) -> PaymentRequest:
    if body.method == "upi":
        return PaymentRequest(
            body.order_id, "upi", vpa=body.vpa, instrument=rules.test_instrument("upi", body.vpa, None)
        )
    card = body.card
    if card is None:  # CreatePayment's own validator refuses this already
        raise BadRequest("card is required for card payments", "card")
    return PaymentRequest(
        body.order_id,
        "card",
        card_network=instruments.card_network(card.number),
        card_last4=card.number[-4:],
        card_holder_name=card.holder_name,
        instrument=rules.test_instrument("card", None, card.number),
        card_mac=card_macs.card_mac(merchant_id, card.number, card.expiry_month, card.expiry_year),
    )


@endpoint(
    bp,
    "POST",
    "/api/v1/payments",
    summary="Create a payment; it is processed asynchronously",
    body=CreatePayment,
    status=201,
    idempotent=True,
    response={201: Payment, 404: Error},
    tags=TAGS,
)
def create_payment(call: Call[CreatePayment, None]) -> JSON:
    return entities.payment(
        payments.create(call.merchant.id, _request(call.merchant.id, call.body), call.idempotency_key)
    )


@endpoint(
    bp,
    "GET",
    "/api/v1/payments",
    summary="List payments, newest first, by status and time",
    query=PaymentQuery,
    response=PaymentList,
    tags=TAGS,
)
def list_payments(call: Call[None, PaymentQuery]) -> JSON:
    q = call.query
    listing = payments.list_payments(call.merchant.id, q.limit, q.offset, q.cursor, q.status, q.from_, q.to)
    return page_envelope(listing, q)


@endpoint(
    bp,
    "GET",
    "/api/v1/payments/stats",
    summary="Totals, success rate and a per-day series",
    query=StatsQuery,
    response=Stats,
    tags=TAGS,
)
def payment_stats(call: Call[None, StatsQuery]) -> JSON:
    return stats.overview(call.merchant.id, call.query.days)


@endpoint(bp, "GET", "/api/v1/payments/{id}", summary="Fetch a payment", response=Payment, tags=TAGS)
def get_payment(call: Call[None, None]) -> JSON:
    return entities.payment(payments.owned(call.merchant.id, call.params["id"]))


@endpoint(
    bp,
    "POST",
    "/api/v1/payments/{id}/capture",
    summary="Capture a successful payment",
    body=Capture,
    idempotent=True,
    response=Payment,
    tags=TAGS,
)
def capture_payment(call: Call[Capture, None]) -> JSON:
    body = call.body
    return payments.capture(
        call.merchant.id, call.params["id"], body.amount, body.currency, actor=call.actor, merchant=call.merchant
    )


@endpoint(
    bp,
    "POST",
    "/api/v1/payments/public",
    summary="Create a payment from the checkout page (API key only)",
    auth_mode=PUBLIC_KEY,
    body=CreatePublicPayment,
    status=201,
    idempotent=True,
    response={201: PublicPayment, 404: Error},
    tags=("public",),
)
def create_public_payment(call: Call[CreatePublicPayment, None]) -> JSON:
    return entities.public_payment(
        payments.create(call.merchant.id, _request(call.merchant.id, call.body), call.idempotency_key)
    )


@endpoint(
    bp,
    "GET",
    "/api/v1/payments/{id}/public",
    summary="A payment's status for the checkout page",
    auth_mode=PUBLIC_KEY,
    query=PublicKeyQuery,
    response=PublicPayment,
    tags=("public",),
)
def get_public_payment(call: Call[None, PublicKeyQuery]) -> JSON:
    return entities.public_payment(payments.owned(call.merchant.id, call.params["id"]))
