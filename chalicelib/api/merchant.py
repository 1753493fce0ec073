"""The merchant's own profile, credentials and webhook settings."""

from __future__ import annotations

from chalice import Blueprint

from ..services import merchants, webhooks
from .endpoint import JSON, Call, endpoint
from .responses import Credentials, MerchantProfile, WebhookScheduled, WebhookSecret
from .schemas import WebhookSettings

bp = Blueprint(__name__)
TAGS = ("merchant",)


@endpoint(
    bp,
    "GET",
    "/api/v1/merchant",
    summary="The merchant's profile (never the API secret)",
    response=MerchantProfile,
    tags=TAGS,
)
def get_merchant(call: Call[None, None]) -> JSON:
    return merchants.profile(call.merchant.id)


@endpoint(
    bp,
    "GET",
    "/api/v1/merchant/credentials",
    summary="Reveal the API key, API secret and webhook secret",
    response=Credentials,
    tags=TAGS,
)
def get_credentials(call: Call[None, None]) -> JSON:
    return merchants.credentials(call.merchant.id)


@endpoint(
    bp,
    "PUT",
    "/api/v1/merchant/webhook",
    summary="Set the webhook URL and subscribed events",
    body=WebhookSettings,
    response=MerchantProfile,
    tags=TAGS,
)
def put_webhook(call: Call[WebhookSettings, None]) -> JSON:
    return merchants.update_webhook(call.merchant.id, call.body.url, call.body.events, actor=call.actor)


@endpoint(
    bp,
    "POST",
    "/api/v1/merchant/webhook/secret",
    summary="Regenerate the webhook secret (shown once)",
    response=WebhookSecret,
    tags=TAGS,
)
def regenerate_webhook_secret(call: Call[None, None]) -> JSON:
    return merchants.regenerate_webhook_secret(call.merchant.id, actor=call.actor)


@endpoint(
    bp,
    "POST",
    "/api/v1/merchant/webhook/test",
    summary="Send a webhook.test event through delivery",
    status=202,
    response=WebhookScheduled,
    tags=TAGS,
)
def send_test_webhook(call: Call[None, None]) -> JSON:
    return webhooks.send_test(merchants.require(call.merchant.id))
