"""A merchant's webhook endpoints: create, read, edit, delete, rotate and promote secrets, and the
targets (with signing keys) an event is delivered to.

Rules of what each change does live in domain/endpoint_changes.py; the store applies them under
its conditions. Secrets are sealed at rest (chalicelib/vault.py) and shown only in the answer to
a creation or rotation.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .. import vault
from ..config import settings
from ..domain import audit as audit_rules
from ..domain import chaos as chaos_rules
from ..domain import clock, razorpay
from ..domain.deliveries import url_error
from ..domain.endpoints import (
    ENDPOINT_DISABLED,
    ENDPOINT_PREFIX,
    FORMATS,
    GATEWAY_FORMAT,
    MAX_ENDPOINTS,
    RAZORPAY_FORMAT,
    Endpoint,
    default_endpoint_id,
    in_overlap,
    is_default,
    takes,
)
from ..domain.errors import BadRequest, Conflict, NotFound
from ..domain.events import EVENT_TYPES
from ..domain.ids import new_id
from ..domain.signing import SigningKeys
from ..store import store
from ..store.records import EndpointRotation, Merchant
from . import audit

# What an endpoint may subscribe to: every event, and the gateway's notice that another endpoint stopped.
SUBSCRIBABLE = (*EVENT_TYPES, ENDPOINT_DISABLED)
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
MAX_DESCRIPTION = 500
NOT_FOUND = "Webhook endpoint not found"


def new_secret() -> str:
    """whsec_<base64 of 32 random bytes>: the form Standard Webhooks signs with."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _merchant(merchant_id: str) -> Merchant:
    merchant = store().merchants.get(merchant_id)
    if merchant is None:
        raise NotFound("Merchant not found")
    return merchant


def _find(merchant: Merchant, endpoint_id: str) -> Endpoint:
    """The merchant's own endpoint: another merchant's id is as unknown as a made-up one."""
    found = next((endpoint for endpoint in merchant.webhook_endpoints if endpoint.id == endpoint_id), None)
    if found is None:
        raise NotFound(NOT_FOUND, "id")
    return found


def merchant_of(merchant_id: str) -> Merchant:
    """The merchant, or 404."""
    return _merchant(merchant_id)


def find(merchant: Merchant, endpoint_id: str) -> Endpoint:
    """One of the merchant's endpoints, or 404."""
    return _find(merchant, endpoint_id)


def render(merchant_id: str, endpoint: Endpoint, now: datetime | None = None) -> dict[str, Any]:
    overlapping = in_overlap(endpoint, now)
    return {
        "id": endpoint.id,
        "entity": "webhook_endpoint",
        "url": endpoint.url or None,
        "events": list(endpoint.events) if endpoint.events else None,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "failing_since": endpoint.failing_since,
        "is_default": is_default(merchant_id, endpoint.id),
        "format": endpoint.format,
        "secret_set": bool(endpoint.secret_sealed),
        "secret_rotated_at": endpoint.secret_rotated_at,
        # While the rotated-out secret still signs (null otherwise), and whether the hex header
        # has moved to the new one.
        "previous_secret_expires_at": endpoint.previous_secret_expires_at if overlapping else None,
        "secret_promoted": endpoint.secret_promoted or not overlapping,
        "chaos": endpoint.chaos.rendered() if endpoint.chaos else None,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def list_endpoints(merchant_id: str) -> dict[str, Any]:
    merchant = _merchant(merchant_id)
    now = clock.now()
    items = [render(merchant.id, endpoint, now) for endpoint in merchant.webhook_endpoints]
    return {"entity": "collection", "count": len(items), "items": items}


def get(merchant_id: str, endpoint_id: str) -> dict[str, Any]:
    merchant = _merchant(merchant_id)
    return render(merchant.id, _find(merchant, endpoint_id))


def checked_url(url: str | None, field: str = "url") -> str:
    if not url:
        raise BadRequest("url is required", field)
    problem = url_error(url, settings().webhook_block_private_urls)
    if problem:
        raise BadRequest(problem, field)
    return url


def checked_events(events: list[str] | None, format: str = GATEWAY_FORMAT) -> tuple[str, ...] | None:
    """The filter in a stable order; None (absent) takes every event; an empty list is refused,
    as it would take none. A `razorpay`-format endpoint subscribes to Razorpay's event names."""
    if events is None:
        return None
    subscribable = razorpay.EVENTS if format == RAZORPAY_FORMAT else SUBSCRIBABLE
    unknown = sorted(set(events) - set(subscribable))
    if unknown and format == RAZORPAY_FORMAT:
        raise BadRequest(f"Not Razorpay event types: {', '.join(unknown)}", "events")
    if unknown:
        raise BadRequest(f"Unknown event types: {', '.join(unknown)}", "events")
    if not events:
        raise BadRequest("events must name at least one event type; omit it for all", "events")
    return tuple(event for event in subscribable if event in set(events))


def checked_format(merchant_id: str, endpoint_id: str, format: str) -> str:
    """The default endpoint is the seed's webhook (PUT /api/v1/merchant/webhook) and keeps its
    body: Razorpay's format is for the endpoints added beside it."""
    if format not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}", "format")
    if format != GATEWAY_FORMAT and is_default(merchant_id, endpoint_id):
        raise BadRequest("The default endpoint keeps the gateway format; add another endpoint for Razorpay's", "format")
    return format


def checked_chaos(fields: Mapping[str, object] | None) -> chaos_rules.Chaos | None:
    """Chaos settings, refused (400) where CHAOS_ENABLED is off; turning it off always works."""
    chaos = chaos_rules.parsed(fields)
    if chaos is not None and not settings().chaos_enabled:
        raise BadRequest("Chaos mode is not available on this stage (CHAOS_ENABLED is off)", "chaos")
    return chaos


def _description(text: str | None) -> str:
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise BadRequest(f"description is limited to {MAX_DESCRIPTION} characters", "description")
    return text or ""


def create(
    merchant_id: str,
    url: str | None,
    events: list[str] | None,
    description: str | None,
    *,
    actor: audit.Actor,
    chaos: Mapping[str, object] | None = None,
    format: str = GATEWAY_FORMAT,
) -> dict[str, Any]:
    endpoint = Endpoint(
        id=new_id(ENDPOINT_PREFIX),
        url=checked_url(url),
        secret_sealed="",
        created_at=clock.now_iso(),
        events=checked_events(events, format),
        description=_description(description),
        chaos=checked_chaos(chaos),
        format=checked_format(merchant_id, "", format),
    )
    merchant = _merchant(merchant_id)
    if len(merchant.webhook_endpoints) >= MAX_ENDPOINTS:
        raise BadRequest(f"A merchant has at most {MAX_ENDPOINTS} webhook endpoints; delete one first", "url")
    secret = new_secret()
    endpoint = replace(endpoint, secret_sealed=vault.seal(secret))
    summary = audit_rules.endpoint_summary("created", endpoint.url, endpoint.events)
    entry = audit.entry(
        merchant.id, actor, audit_rules.WEBHOOK_ENDPOINT_CREATE, endpoint.id, summary, at=endpoint.created_at
    )
    if not store().endpoints.add(merchant.id, endpoint, entry):
        # Another request added the last place meanwhile (the store counts under its condition).
        raise BadRequest(f"A merchant has at most {MAX_ENDPOINTS} webhook endpoints; delete one first", "url")
    return {**render(merchant.id, endpoint), "secret": secret}


def update(merchant_id: str, endpoint_id: str, fields: Mapping[str, Any], *, actor: audit.Actor) -> dict[str, Any]:
    """Set the fields given (url, events, description, enabled, chaos). Re-enabling answers
    `missed_since`: when it stopped, so the dashboard can offer to replay what it missed."""
    changes: dict[str, object] = {}
    merchant = _merchant(merchant_id)
    current = _find(merchant, endpoint_id)
    format = current.format
    if fields.get("format") is not None:
        format = changes["format"] = checked_format(merchant.id, endpoint_id, fields["format"])
    if "url" in fields:
        changes["url"] = checked_url(fields["url"])
    if "events" in fields:
        changes["events"] = checked_events(fields["events"], format)
    elif format != current.format:
        changes["events"] = None  # the other format's names: every event of the new one
    if "description" in fields:
        changes["description"] = _description(fields["description"])
    if "enabled" in fields:
        if not isinstance(fields["enabled"], bool):
            raise BadRequest("enabled must be true or false", "enabled")
        changes["enabled"] = fields["enabled"]
    if "chaos" in fields:
        changes["chaos"] = checked_chaos(fields["chaos"])
    re_enabled = changes.get("enabled") is True and not current.enabled
    summary = audit_rules.endpoint_summary(
        "updated",
        str(changes.get("url", current.url)),
        changes.get("events", current.events),  # type: ignore[arg-type]
    )
    if "chaos" in changes:
        summary = (summary + "; chaos mode " + ("on" if changes["chaos"] else "off"))[: audit_rules.MAX_SUMMARY]
    entry = audit.entry(merchant.id, actor, audit_rules.WEBHOOK_ENDPOINT_UPDATE, endpoint_id, summary)
    written = store().endpoints.update(merchant.id, endpoint_id, changes, clock.now_iso(), entry)
    if written is None:
        raise NotFound(NOT_FOUND, "id")  # deleted meanwhile
    answer = render(merchant.id, written)
    if re_enabled:
        answer["missed_since"] = current.disabled_at
    return answer


def delete(merchant_id: str, endpoint_id: str, *, actor: audit.Actor) -> dict[str, Any]:
    merchant = _merchant(merchant_id)
    current = _find(merchant, endpoint_id)
    if is_default(merchant.id, endpoint_id):
        raise Conflict(
            "The default endpoint is the merchant's webhook (PUT /api/v1/merchant/webhook): "
            "disable it, or set its url to null, instead"
        )
    summary = audit_rules.endpoint_summary("deleted", current.url, current.events)
    entry = audit.entry(merchant.id, actor, audit_rules.WEBHOOK_ENDPOINT_DELETE, endpoint_id, summary)
    if not store().endpoints.delete(merchant.id, endpoint_id, entry):
        raise NotFound(NOT_FOUND, "id")
    return {"id": endpoint_id, "entity": "webhook_endpoint", "deleted": True}


def overlap_seconds(requested: int | None) -> int:
    if requested is None:
        return max(0, min(settings().webhook_secret_overlap_seconds, MAX_OVERLAP_SECONDS))
    if isinstance(requested, bool) or not isinstance(requested, int) or not 0 <= requested <= MAX_OVERLAP_SECONDS:
        raise BadRequest(f"overlap_seconds must be a whole number from 0 to {MAX_OVERLAP_SECONDS}", "overlap_seconds")
    return requested


def rotate(
    merchant_id: str,
    endpoint_id: str,
    requested_overlap: int | None = None,
    *,
    actor: audit.Actor,
    as_legacy_regenerate: bool = False,
) -> dict[str, Any]:
    """A new secret, shown this once; the replaced one keeps signing for the overlap (domain/signing.py).
    `as_legacy_regenerate`: the audit log keeps calling POST /merchant/webhook/secret what it was."""
    overlap = overlap_seconds(requested_overlap)
    merchant = _merchant(merchant_id)
    current = _find(merchant, endpoint_id)
    secret = new_secret()
    now = clock.now()
    ends = clock.iso(now + timedelta(seconds=overlap))
    rotation = EndpointRotation(current.secret_sealed, vault.seal(secret), ends, clock.iso(now))
    action, entity = audit_rules.WEBHOOK_ENDPOINT_ROTATE, endpoint_id
    if as_legacy_regenerate:
        action, entity = audit_rules.WEBHOOK_SECRET_REGENERATE, merchant.id
    # One rotation per secret replaced: the sealed secret it replaces names it.
    summary = audit_rules.rotation_summary(ends)
    entry = audit.entry(merchant.id, actor, action, entity, summary, occurrence=current.secret_sealed)
    if not store().endpoints.rotate_secret(merchant.id, endpoint_id, rotation, entry):
        raise Conflict("The secret was rotated by another request meanwhile; read the endpoint again")
    rotated = _find(_merchant(merchant_id), endpoint_id)
    return {**render(merchant.id, rotated, now), "secret": secret}


def promote(merchant_id: str, endpoint_id: str, *, actor: audit.Actor) -> dict[str, Any]:
    """The merchant's receivers all verify the new secret: the hex header moves to it now."""
    merchant = _merchant(merchant_id)
    _find(merchant, endpoint_id)
    at = clock.now_iso()
    summary = "Webhook secret promoted: the hex signature header now uses the new secret"
    entry = audit.entry(merchant.id, actor, audit_rules.WEBHOOK_ENDPOINT_PROMOTE, endpoint_id, summary, at=at)
    if not store().endpoints.promote_secret(merchant.id, endpoint_id, at, entry):
        raise NotFound(NOT_FOUND, "id")
    return render(merchant.id, _find(_merchant(merchant_id), endpoint_id))


def signing_keys(endpoint: Endpoint, now: datetime | None = None) -> SigningKeys | None:
    """The secrets that sign this endpoint's deliveries now, unsealed; None: it has no secret
    (a default endpoint made before secrets, which sends unsigned)."""
    if not endpoint.secret_sealed:
        return None
    overlapping = in_overlap(endpoint, now)
    previous = (
        vault.unseal(endpoint.previous_secret_sealed) if overlapping and endpoint.previous_secret_sealed else None
    )
    return SigningKeys(vault.unseal(endpoint.secret_sealed), previous, endpoint.secret_promoted or not overlapping)


def targets(merchant: Merchant, event: str, now: datetime | None = None) -> list[tuple[Endpoint, SigningKeys | None]]:
    """Where `event` goes: every enabled endpoint with a URL whose filter takes it, each with its keys."""
    return [
        (endpoint, signing_keys(endpoint, now))
        for endpoint in merchant.webhook_endpoints
        if endpoint.url and takes(endpoint, event)
    ]


def default_of(merchant: Merchant) -> Endpoint | None:
    return next((e for e in merchant.webhook_endpoints if e.id == default_endpoint_id(merchant.id)), None)
