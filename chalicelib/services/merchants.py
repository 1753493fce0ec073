"""Merchants: credentials, profile, webhook settings and the seeded test merchant."""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from .. import vault
from ..config import settings
from ..domain import audit as audit_rules
from ..domain import clock
from ..domain.deliveries import url_error
from ..domain.endpoints import default_endpoint_id
from ..domain.errors import AuthenticationFailed, BadRequest, Conflict, NotFound
from ..domain.events import EVENT_TYPES
from ..store import store
from ..store.records import Merchant, SecretRotation
from . import audit, entities
from .passwords import hash_password, verify_password

INVALID_CREDENTIALS = "Invalid API credentials"
CURRENT, PREVIOUS = "current", "previous"
# Compared against when there is no digest, so every check costs the same.
_NO_DIGEST = vault.digest("no secret has this digest")

TEST_MERCHANT = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Test Merchant",
    "email": "test@example.com",
    "api_key": "key_test_abc123",
    "api_secret": "secret_test_xyz789",
    "webhook_secret": "whsec_test_abc123",
    "password": "test-password-123",
}

# Keys never change, so a short-lived cache saves a query on every request. A secret rotated by
# another instance is found by reading again when the cached one does not match (authenticate_secret).
_CACHE_SECONDS = 30.0
_by_key: dict[str, tuple[float, Merchant]] = {}
_cache_lock = threading.Lock()


def _lookup_by_key(api_key: str, fresh: bool = False) -> Merchant | None:
    if len(api_key) > 255:  # no key is this long, and DynamoDB refuses index keys over 2048 bytes
        return None
    cached = _by_key.get(api_key)
    if cached and cached[0] > time.monotonic() and not fresh:
        return cached[1]
    merchant = store().merchants.by_api_key(api_key)
    if merchant is not None:
        with _cache_lock:
            _by_key[api_key] = (time.monotonic() + _CACHE_SECONDS, merchant)
    return merchant


def secret_match(merchant: Merchant | None, api_secret: str) -> str | None:
    """CURRENT, PREVIOUS (a rotated-out secret inside its overlap) or None. Both digests are
    always compared in constant time, so timing tells neither which matched nor whether a
    previous secret exists; the overlap's end is enforced here, whatever TTL does."""
    given = vault.digest(api_secret)
    current = hmac.compare_digest(merchant.api_secret_digest if merchant else _NO_DIGEST, given)
    previous_digest = merchant.previous_api_secret_digest if merchant else None
    previous = hmac.compare_digest(previous_digest or _NO_DIGEST, given)
    if merchant is None:
        return None
    if current:
        return CURRENT
    expires = merchant.previous_api_secret_expires_at
    if previous and previous_digest and expires and clock.now() < clock.parse_iso(expires):
        return PREVIOUS
    return None


def authenticate(api_key: str, api_secret: str) -> Merchant:
    return authenticate_secret(api_key, api_secret)[0]


def authenticate_secret(api_key: str, api_secret: str, fresh: bool = False) -> tuple[Merchant, str]:
    """The merchant and which of its secrets matched (CURRENT or PREVIOUS); `fresh` judges on the
    stored record, never the cached one (for what a rotated-out secret must not do)."""
    merchant = _lookup_by_key(api_key, fresh) if api_key else None
    match = secret_match(merchant, api_secret)
    if match is None and merchant is not None and not fresh:
        # The cached record may predate a rotation made by another instance: read it again, so a
        # new secret works at once everywhere (a wrong secret costs one more read, as an unknown key does).
        merchant = _lookup_by_key(api_key, fresh=True)
        match = secret_match(merchant, api_secret)
    if match is None or merchant is None:
        raise AuthenticationFailed(INVALID_CREDENTIALS)
    return merchant, match


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


def credentials(merchant_id: str, with_api_secret: bool = True) -> dict[str, Any]:
    """The credentials; a dashboard session gets the API secret only through `reveal` (with the
    password), so `with_api_secret` is False for it and the secret is null."""
    merchant = require(merchant_id)
    previous_until = merchant.previous_api_secret_expires_at
    return {
        "api_key": merchant.api_key,
        "api_secret": vault.unseal(merchant.api_secret_sealed) if with_api_secret else None,
        "webhook_secret": webhook_secret(merchant),
        "api_secret_rotated_at": merchant.api_secret_rotated_at,
        # When the rotated-out secret stops working; null when none works any more.
        "previous_secret_expires_at": (
            previous_until if previous_until and clock.parse_iso(previous_until) > clock.now() else None
        ),
        "api_secret_overlap_seconds": _overlap_seconds(),
    }


def _overlap_seconds() -> int:
    return max(0, settings().api_secret_overlap_seconds)


def confirm_password(merchant: Merchant, password: str | None) -> None:
    """Step-up: a dashboard session re-enters the password before it sees or replaces a secret,
    so a stolen session token alone never yields the API secret."""
    if not password:
        raise BadRequest("Enter your dashboard password to continue", "password")
    if not verify_password(password, merchant.password_hash):
        raise BadRequest("Incorrect password", "password")


def reveal(merchant_id: str, password: str) -> dict[str, Any]:
    confirm_password(require(merchant_id), password)
    return credentials(merchant_id)


def new_api_secret() -> str:
    return "secret_" + secrets.token_hex(20)


def rotate_api_secret(
    merchant_id: str, password: str | None, presented_secret: str | None = None, *, actor: audit.Actor
) -> dict[str, Any]:
    """A new API secret, shown this once; the replaced one keeps working for the overlap, then
    stops (checked at authentication). Only one previous secret lives: rotating again during an
    overlap ends the older one at once (docs/decisions.md).

    A caller with the API secret passes it as `presented_secret`: the write holds only while that
    is still the current secret, so of concurrent rotations with one secret exactly one wins and a
    rotated-out secret never rotates. A dashboard session passes `password` instead (step-up)."""
    merchant = require(merchant_id)
    if presented_secret is None:
        confirm_password(merchant, password)
    replaced = vault.digest(presented_secret) if presented_secret is not None else merchant.api_secret_digest
    secret = new_api_secret()
    now = clock.now()
    overlap_ends = clock.iso(now + timedelta(seconds=_overlap_seconds()))
    rotation = SecretRotation(
        replaced_digest=replaced,
        new_digest=vault.digest(secret),
        new_sealed=vault.seal(secret),
        previous_expires_at=overlap_ends,
        rotated_at=clock.iso(now),
    )
    summary = f"API secret rotated; the previous one works until {overlap_ends}"
    # A rotation happens at most once per moment and secret: the replaced digest names it.
    entry = audit.entry(
        merchant.id,
        actor,
        audit_rules.CREDENTIALS_ROTATE,
        merchant.id,
        summary,
        occurrence=replaced,
        at=rotation.rotated_at,
    )
    if not store().merchants.rotate_api_secret(merchant.id, rotation, entry):
        raise Conflict("The API secret was rotated by another request meanwhile; read the credentials again")
    with _cache_lock:
        _by_key.pop(merchant.api_key, None)
    return {
        "api_key": merchant.api_key,
        "api_secret": secret,
        "rotated_at": rotation.rotated_at,
        "previous_secret_expires_at": overlap_ends,
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
    """A rotation of the default endpoint's secret with the default overlap: the replaced secret
    keeps signing meanwhile (services/webhook_endpoints.py)."""
    from . import webhook_endpoints  # it imports this module's neighbours; here to keep imports one-way

    merchant = require(merchant_id)
    if webhook_endpoints.default_of(merchant) is None:
        # A merchant from before secrets: its default endpoint is made (unsigned), then rotated.
        entry = audit.entry(
            merchant.id, actor, audit_rules.WEBHOOK_UPDATE, merchant.id, "Default webhook endpoint created"
        )
        store().merchants.set_webhook(merchant.id, merchant.webhook_url, None, entry)
    rotated = webhook_endpoints.rotate(
        merchant.id, default_endpoint_id(merchant.id), actor=actor, as_legacy_regenerate=True
    )
    return {"webhook_secret": rotated["secret"], "previous_secret_expires_at": rotated["previous_secret_expires_at"]}


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
    api_secret = api_secret or new_api_secret()
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
