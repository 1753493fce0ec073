"""Merchants: credentials, profile, webhook settings and the seeded test merchant."""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
import uuid
from typing import Any

from .. import vault
from ..config import settings
from ..domain import audit as audit_rules
from ..domain import clock
from ..domain.deliveries import url_error
from ..domain.errors import AuthenticationFailed, BadRequest, NotFound
from ..domain.events import EVENT_TYPES
from ..store import store
from ..store.records import Merchant
from . import audit, entities
from .passwords import hash_password

INVALID_CREDENTIALS = "Invalid API credentials"

TEST_MERCHANT = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Test Merchant",
    "email": "test@example.com",
    "api_key": "key_test_abc123",
    "api_secret": "secret_test_xyz789",
    "webhook_secret": "whsec_test_abc123",
    "password": "test-password-123",
}

# Keys and secrets never change, so a short-lived cache saves a query on every request.
_CACHE_SECONDS = 30.0
_by_key: dict[str, tuple[float, Merchant]] = {}
_cache_lock = threading.Lock()


def _lookup_by_key(api_key: str) -> Merchant | None:
    if len(api_key) > 255:  # no key is this long, and DynamoDB refuses index keys over 2048 bytes
        return None
    cached = _by_key.get(api_key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    merchant = store().merchants.by_api_key(api_key)
    if merchant is not None:
        with _cache_lock:
            _by_key[api_key] = (time.monotonic() + _CACHE_SECONDS, merchant)
    return merchant


def authenticate(api_key: str, api_secret: str) -> Merchant:
    merchant = _lookup_by_key(api_key) if api_key else None
    # Compare even when the key is unknown, so timing does not reveal which keys exist.
    expected = merchant.api_secret_digest if merchant else vault.digest(secrets.token_hex(16))
    if not hmac.compare_digest(expected, vault.digest(api_secret)) or merchant is None:
        raise AuthenticationFailed(INVALID_CREDENTIALS)
    return merchant


def by_public_key(api_key: str | None) -> Merchant:
    """The browser's checkout knows only the key: it can read and pay, never manage."""
    merchant = _lookup_by_key(api_key) if api_key else None
    if merchant is None:
        raise AuthenticationFailed("Invalid API key", "key")
    return merchant


def require(merchant_id: str) -> Merchant:
    merchant = store().merchants.get(merchant_id)
    if merchant is None:
        raise NotFound("Merchant not found")
    return merchant


def profile(merchant_id: str) -> dict[str, Any]:
    return entities.merchant_profile(require(merchant_id), EVENT_TYPES)


def credentials(merchant_id: str) -> dict[str, Any]:
    merchant = require(merchant_id)
    return {
        "api_key": merchant.api_key,
        "api_secret": vault.unseal(merchant.api_secret_sealed),
        "webhook_secret": webhook_secret(merchant),
    }


def webhook_secret(merchant: Merchant) -> str | None:
    return vault.unseal(merchant.webhook_secret_sealed) if merchant.webhook_secret_sealed else None


def update_webhook(
    merchant_id: str, url: str | None, events: list[str] | None, *, actor: audit.Actor
) -> dict[str, Any]:
    if url is not None:
        problem = url_error(url, settings().webhook_block_private_urls)
        if problem:
            raise BadRequest(problem, "url")
    if events is not None:
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            raise BadRequest(f"Unknown event types: {', '.join(unknown)}", "events")
        if not events:
            raise BadRequest("events must name at least one event type; omit it for all", "events")
    merchant = require(merchant_id)
    ordered = [event for event in EVENT_TYPES if event in set(events)] if events else None
    summary = audit_rules.webhook_summary(url, ordered)
    entry = audit.entry(merchant.id, actor, audit_rules.WEBHOOK_UPDATE, merchant.id, summary)
    if not store().merchants.set_webhook(merchant.id, url, ordered, entry):
        raise NotFound("Merchant not found")
    return profile(merchant_id)


def new_webhook_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def regenerate_webhook_secret(merchant_id: str, *, actor: audit.Actor) -> dict[str, Any]:
    merchant = require(merchant_id)
    secret = new_webhook_secret()
    entry = audit.entry(
        merchant.id, actor, audit_rules.WEBHOOK_SECRET_REGENERATE, merchant.id, audit_rules.secret_summary()
    )
    if not store().merchants.set_webhook_secret(merchant.id, vault.seal(secret), entry):
        raise NotFound("Merchant not found")
    return {"webhook_secret": secret}


def create(
    name: str,
    email: str,
    password: str | None,
    webhook_url: str | None = None,
    merchant_id: str | None = None,
    api_key: str | None = None,
    api_secret: str | None = None,
    webhook_secret: str | None = None,
) -> tuple[Merchant, bool, dict[str, str] | None]:
    """A merchant with fresh credentials unless given; (merchant, created, its secrets in clear)."""
    api_secret = api_secret or "secret_" + secrets.token_hex(20)
    webhook_secret = webhook_secret or new_webhook_secret()
    merchant = Merchant(
        id=merchant_id or str(uuid.uuid4()),
        name=name,
        email=email.strip().lower(),
        api_key=api_key or "key_" + secrets.token_hex(12),
        api_secret_digest=vault.digest(api_secret),
        api_secret_sealed=vault.seal(api_secret),
        password_hash=hash_password(password) if password else None,
        webhook_url=webhook_url,
        webhook_secret_sealed=vault.seal(webhook_secret),
        created_at=clock.now_iso(),
    )
    created = store().merchants.create_if_absent(merchant)
    if not created:
        return require(merchant.id), False, None
    return merchant, True, {"api_secret": api_secret, "webhook_secret": webhook_secret}


def seed_test_merchant(webhook_url: str | None) -> bool:
    """Idempotent: an existing test merchant, and any settings changed since, are left alone."""
    _, created, _ = create(
        TEST_MERCHANT["name"],
        TEST_MERCHANT["email"],
        TEST_MERCHANT["password"],
        webhook_url=webhook_url,
        merchant_id=TEST_MERCHANT["id"],
        api_key=TEST_MERCHANT["api_key"],
        api_secret=TEST_MERCHANT["api_secret"],
        webhook_secret=TEST_MERCHANT["webhook_secret"],
    )
    return created


def test_merchant_summary() -> dict[str, Any]:
    merchant = store().merchants.get(TEST_MERCHANT["id"])
    if merchant is None:
        raise NotFound("The test merchant has not been seeded")
    return {"id": merchant.id, "email": merchant.email, "api_key": merchant.api_key, "seeded": True}


def create_for_testing(name: str, webhook_url: str | None) -> dict[str, Any]:
    """A merchant with fresh credentials, all of them returned once, for isolated tests."""
    if webhook_url is not None:
        problem = url_error(webhook_url, settings().webhook_block_private_urls)
        if problem:
            raise BadRequest(problem, "webhook_url")
    password = secrets.token_urlsafe(12)
    email = f"merchant-{secrets.token_hex(6)}@example.test"
    merchant, _, secrets_given = create(name, email, password, webhook_url=webhook_url)
    return {
        "id": merchant.id,
        "name": merchant.name,
        "email": merchant.email,
        "password": password,
        "api_key": merchant.api_key,
        **(secrets_given or {}),
        "webhook_url": merchant.webhook_url,
    }
