"""A merchant's webhook endpoints: several receivers, each with its filter and its own secret."""

from __future__ import annotations

from chalice import Blueprint

from ..services import webhook_check, webhook_endpoints
from .endpoint import JSON, Call, endpoint
from .responses import (
    EndpointCheck,
    Error,
    WebhookEndpoint,
    WebhookEndpointDeleted,
    WebhookEndpointList,
    WebhookEndpointUpdated,
    WebhookEndpointWithSecret,
)
from .schemas import CreateWebhookEndpoint, RotateWebhookSecret, UpdateWebhookEndpoint

bp = Blueprint(__name__)
TAGS = ("webhook endpoints",)
ONE = "/api/v1/webhook-endpoints/{id}"


@endpoint(
    bp,
    "POST",
    "/api/v1/webhook-endpoints",
    summary="Add a webhook endpoint (up to 10); its secret is shown in this answer only",
    body=CreateWebhookEndpoint,
    status=201,
    response={201: WebhookEndpointWithSecret, 400: Error},
    tags=TAGS,
)
def create_endpoint(call: Call[CreateWebhookEndpoint, None]) -> JSON:
    b = call.body
    chaos = b.chaos.model_dump() if b.chaos else None
    return webhook_endpoints.create(
        call.merchant.id, b.url, b.events, b.description, actor=call.actor, chaos=chaos, format=b.format
    )


@endpoint(
    bp,
    "GET",
    "/api/v1/webhook-endpoints",
    summary="The merchant's webhook endpoints, oldest first (the default one included)",
    response=WebhookEndpointList,
    tags=TAGS,
)
def list_endpoints(call: Call[None, None]) -> JSON:
    return webhook_endpoints.list_endpoints(call.merchant.id)


@endpoint(bp, "GET", ONE, summary="A webhook endpoint (never its secret)", response=WebhookEndpoint, tags=TAGS)
def get_endpoint(call: Call[None, None]) -> JSON:
    return webhook_endpoints.get(call.merchant.id, call.params["id"])


@endpoint(
    bp,
    "PATCH",
    ONE,
    summary="Change a webhook endpoint's url, events, description or enabled; re-enabling answers missed_since",
    body=UpdateWebhookEndpoint,
    response={200: WebhookEndpointUpdated, 400: Error, 404: Error},
    tags=TAGS,
)
def update_endpoint(call: Call[UpdateWebhookEndpoint, None]) -> JSON:
    sent = {name: getattr(call.body, name) for name in call.body.model_fields_set}
    if sent.get("chaos") is not None:
        sent["chaos"] = sent["chaos"].model_dump()
    answer = webhook_endpoints.update(call.merchant.id, call.params["id"], sent, actor=call.actor)
    return {"missed_since": None, **answer}


@endpoint(
    bp,
    "DELETE",
    ONE,
    summary="Delete a webhook endpoint (not the default one: disable it instead)",
    response={200: WebhookEndpointDeleted, 404: Error, 409: Error},
    tags=TAGS,
)
def delete_endpoint(call: Call[None, None]) -> JSON:
    return webhook_endpoints.delete(call.merchant.id, call.params["id"], actor=call.actor)


@endpoint(
    bp,
    "POST",
    ONE + "/rotate-secret",
    summary="A new secret (shown once); the replaced one keeps signing for overlap_seconds",
    body=RotateWebhookSecret,
    response={200: WebhookEndpointWithSecret, 400: Error, 404: Error, 409: Error},
    tags=TAGS,
)
def rotate_secret(call: Call[RotateWebhookSecret, None]) -> JSON:
    return webhook_endpoints.rotate(call.merchant.id, call.params["id"], call.body.overlap_seconds, actor=call.actor)


@endpoint(
    bp,
    "POST",
    ONE + "/promote-secret",
    summary="The receivers know the new secret: X-Webhook-Signature moves to it before the overlap ends",
    response={200: WebhookEndpoint, 404: Error},
    tags=TAGS,
)
def promote_secret(call: Call[None, None]) -> JSON:
    return webhook_endpoints.promote(call.merchant.id, call.params["id"], actor=call.actor)


@endpoint(
    bp,
    "POST",
    ONE + "/check",
    summary="Check the receiver: a valid test event, a duplicate, and forgeries it must refuse (docs/webhooks.md)",
    response={200: EndpointCheck, 400: Error, 404: Error, 429: Error},
    tags=TAGS,
)
def check_endpoint(call: Call[None, None]) -> JSON:
    return webhook_check.check(call.merchant.id, call.params["id"], actor=call.actor)
