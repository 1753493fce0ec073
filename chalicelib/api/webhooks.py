"""The webhook delivery log and manual retry."""

from __future__ import annotations

from chalice import Blueprint

from ..domain import clock
from ..services import webhooks
from .endpoint import JSON, Call, endpoint, page_envelope
from .responses import WebhookDeliveryDetail, WebhookDeliveryList, WebhookReplayed, WebhookScheduled
from .schemas import WebhookQuery, WebhookReplay

bp = Blueprint(__name__)
TAGS = ("webhooks",)


@endpoint(
    bp,
    "GET",
    "/api/v1/webhooks",
    summary="List webhook deliveries, newest first",
    query=WebhookQuery,
    response=WebhookDeliveryList,
    tags=TAGS,
)
def list_webhooks(call: Call[None, WebhookQuery]) -> JSON:
    q = call.query
    listing = webhooks.list_deliveries(call.merchant.id, q.limit, q.offset, q.cursor, q.status, q.event, q.endpoint_id)
    return page_envelope(listing, q)


# Before /webhooks/{id}: a literal path, never an id.
@endpoint(
    bp,
    "POST",
    "/api/v1/webhooks/replay",
    summary="Deliver again every delivery created in a time range that matches the filters",
    body=WebhookReplay,
    status=202,
    idempotent=True,
    response=WebhookReplayed,
    tags=TAGS,
)
def replay_webhooks(call: Call[WebhookReplay, None]) -> JSON:
    b = call.body
    until = b.until or clock.now_iso()
    return webhooks.replay(call.merchant, call.actor, b.since, until, b.status, b.event, b.endpoint_id)


@endpoint(
    bp,
    "GET",
    "/api/v1/webhooks/{id}",
    summary="A delivery with its payload and attempts",
    response=WebhookDeliveryDetail,
    tags=TAGS,
)
def get_webhook(call: Call[None, None]) -> JSON:
    return webhooks.get(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "POST",
    "/api/v1/webhooks/{id}/retry",
    summary="Deliver again, with a fresh retry schedule (attempt numbers go on)",
    response=WebhookScheduled,
    tags=TAGS,
)
def retry_webhook(call: Call[None, None]) -> JSON:
    return webhooks.retry_now(call.merchant.id, call.params["id"])
