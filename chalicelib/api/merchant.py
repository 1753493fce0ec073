"""The merchant's own profile, credentials and webhook settings."""

from __future__ import annotations

from chalice import Blueprint

from ..services import auth, merchants, webhooks
from .endpoint import JSON, Call, endpoint
from .responses import Credentials, Error, MerchantProfile, RotatedCredentials, WebhookScheduled, WebhookSecret
from .schemas import RevealCredentials, RotateCredentials, WebhookSettings

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
    summary="The API key, API secret and webhook secret (a dashboard session gets the API secret as null)",
    response=Credentials,
    tags=TAGS,
)
def get_credentials(call: Call[None, None]) -> JSON:
    kind = auth.require_current_secret_or_session(call.headers)
    return merchants.credentials(call.merchant.id, with_api_secret=kind != auth.SESSION)


@endpoint(
    bp,
    "POST",
    "/api/v1/merchant/credentials/reveal",
    summary="Reveal the credentials, API secret included, after re-entering the dashboard password",
    body=RevealCredentials,
    response={200: Credentials, 400: Error},
    tags=TAGS,
)
def reveal_credentials(call: Call[RevealCredentials, None]) -> JSON:
    auth.require_current_secret_or_session(call.headers)
    return merchants.reveal(call.merchant.id, call.body.password)


@endpoint(
    bp,
    "POST",
    "/api/v1/merchant/credentials/rotate",
    summary="Issue a new API secret (shown once); the old one works until previous_secret_expires_at",
    body=RotateCredentials,
    response={200: RotatedCredentials, 400: Error, 409: Error},
    tags=TAGS,
)
def rotate_credentials(call: Call[RotateCredentials, None]) -> JSON:
    auth.require_current_secret_or_session(call.headers)
    # A session proves itself again with the password; the current API secret already is that proof.
    return merchants.rotate_api_secret(
        call.merchant.id, call.body.password, auth.presented_secret(call.headers), actor=call.actor
    )


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
