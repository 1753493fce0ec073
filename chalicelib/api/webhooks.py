"""The webhook delivery log and manual retry."""

from __future__ import annotations

from chalice import Blueprint

from ..services import webhooks
from .endpoint import JSON, Call, endpoint, page_envelope
from .responses import WebhookDeliveryDetail, WebhookDeliveryList, WebhookScheduled
from .schemas import WebhookQuery

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
    return page_envelope(webhooks.list_deliveries(call.merchant.id, q.limit, q.offset, q.cursor, q.status, q.event), q)


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
