"""Webhook endpoints: a merchant's receivers, which events each takes, and which secrets sign.

A merchant has up to MAX_ENDPOINTS endpoints (`we_` ids). The one `PUT /api/v1/merchant/webhook`
edits is the default endpoint: its id derives from the merchant's, so the code that records an
event knows it without a read. Each event gets one delivery per endpoint that takes it; the
default endpoint's delivery keeps the event's own id (`evt_`), which is what the seed's
list-then-retry flow and every delivery recorded before endpoints existed use, and any other
endpoint's delivery id derives from the event and the endpoint (`whd_`), so a retried fan-out
finds the first try's delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import clock
from .chaos import Chaos
from .events import WEBHOOK_TEST
from .ids import derived_id
from .razorpay import EVENTS as RAZORPAY_EVENTS

MAX_ENDPOINTS = 10
ENDPOINT_PREFIX = "we"
DELIVERY_PREFIX = "whd"
ENDPOINT_DISABLED = "endpoint.disabled"

# Why an endpoint stopped receiving (its `disabled_reason`).
DISABLED_BY_MERCHANT = "disabled_by_merchant"
DISABLED_GONE = "gone"  # the receiver answered 410 Gone
DISABLED_FAILING = "failing"  # every attempt failed for the auto-disable period

# What an endpoint's deliveries look like: the gateway's own body and signatures, or Razorpay's
# events, envelope and X-Razorpay-Signature (domain/razorpay.py; docs/razorpay.md).
GATEWAY_FORMAT, RAZORPAY_FORMAT = "gateway", "razorpay"
FORMATS = (GATEWAY_FORMAT, RAZORPAY_FORMAT)


@dataclass(frozen=True)
class Endpoint:
    """One receiver. Secrets are sealed (services/vault.py); `previous_secret_sealed` keeps
    verifying until `previous_secret_expires_at` (the rotation's overlap). Until the merchant
    promotes the new secret (or the overlap ends) the single-signature hex header stays on the
    previous secret, and a second header carries the new one's (domain/signing.py)."""

    id: str
    url: str
    secret_sealed: str
    created_at: str
    events: tuple[str, ...] | None = None  # None: every event
    description: str = ""
    enabled: bool = True
    disabled_reason: str | None = None
    disabled_at: str | None = None
    updated_at: str | None = None
    previous_secret_sealed: str | None = None
    previous_secret_expires_at: str | None = None
    secret_promoted: bool = True
    failing_since: str | None = None  # the first failed attempt since its last success
    secret_rotated_at: str | None = None  # the last rotation (None: never rotated)
    chaos: Chaos | None = None  # chaos mode's rates (domain/chaos.py); None: off
    format: str = GATEWAY_FORMAT  # absent on endpoints stored before issue 17: the gateway's


def default_endpoint_id(merchant_id: str) -> str:
    return derived_id(ENDPOINT_PREFIX, merchant_id, "default")


def is_default(merchant_id: str, endpoint_id: str) -> bool:
    return endpoint_id == default_endpoint_id(merchant_id)


def delivery_id(event_id: str, merchant_id: str, endpoint_id: str) -> str:
    """The delivery of one event to one endpoint: the event's id for the default endpoint."""
    if is_default(merchant_id, endpoint_id):
        return event_id
    return derived_id(DELIVERY_PREFIX, event_id, endpoint_id)


def takes(endpoint: Endpoint, event: str) -> bool:
    """Whether an enabled endpoint receives `event`: its filter, or every event without one.
    A test event is sent to whichever endpoint it was sent to, whatever its filter."""
    if not endpoint.enabled:
        return False
    if event == WEBHOOK_TEST:
        return True
    if endpoint.format == RAZORPAY_FORMAT and event not in RAZORPAY_EVENTS:
        return False
    return endpoint.events is None or event in endpoint.events


def is_razorpay(endpoint: Endpoint) -> bool:
    return endpoint.format == RAZORPAY_FORMAT


def in_overlap(endpoint: Endpoint, now: datetime | None = None) -> bool:
    """The previous secret still verifies: a rotation's overlap has not ended."""
    if not endpoint.previous_secret_sealed or not endpoint.previous_secret_expires_at:
        return False
    return clock.parse_iso(endpoint.previous_secret_expires_at) > (now or clock.now())
