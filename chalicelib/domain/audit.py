"""The audit log's rules: who acted, what each action is called and how it is summarised.

Pure. A summary is for people reading the log: it names amounts, ids and settings, never a secret
(a webhook URL is shown without its query string, fragment and user info, where tokens live).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .ids import derived_id

API_KEY = "api_key"  # HTTP Basic or X-Api-Key/X-Api-Secret: the key (never the secret) names the caller
DASHBOARD = "dashboard"  # a dashboard session: its user's email names the caller

PAYMENT_CAPTURE = "payment.capture"
REFUND_CREATE = "refund.create"
WEBHOOK_UPDATE = "webhook.update"
WEBHOOK_SECRET_REGENERATE = "webhook.secret_regenerate"
WEBHOOK_REPLAY = "webhook.replay"
CREDENTIALS_ROTATE = "credentials.rotate"
SESSIONS_REVOKE = "sessions.revoke"
WEBHOOK_ENDPOINT_CREATE = "webhook_endpoint.create"
WEBHOOK_ENDPOINT_UPDATE = "webhook_endpoint.update"
WEBHOOK_ENDPOINT_DELETE = "webhook_endpoint.delete"
WEBHOOK_ENDPOINT_ROTATE = "webhook_endpoint.secret_rotate"
WEBHOOK_ENDPOINT_PROMOTE = "webhook_endpoint.secret_promote"
WEBHOOK_ENDPOINT_CHECK = "webhook_endpoint.check"  # a receiver self-check: requests sent to its URL

ENTITY_TYPES = {
    PAYMENT_CAPTURE: "payment",
    REFUND_CREATE: "refund",
    WEBHOOK_UPDATE: "merchant",
    WEBHOOK_SECRET_REGENERATE: "merchant",
    WEBHOOK_REPLAY: "merchant",
    CREDENTIALS_ROTATE: "merchant",
    SESSIONS_REVOKE: "merchant",
    WEBHOOK_ENDPOINT_CREATE: "webhook_endpoint",
    WEBHOOK_ENDPOINT_UPDATE: "webhook_endpoint",
    WEBHOOK_ENDPOINT_DELETE: "webhook_endpoint",
    WEBHOOK_ENDPOINT_ROTATE: "webhook_endpoint",
    WEBHOOK_ENDPOINT_PROMOTE: "webhook_endpoint",
    WEBHOOK_ENDPOINT_CHECK: "webhook_endpoint",
}

MAX_SUMMARY = 500


@dataclass(frozen=True)
class Actor:
    """Who made a change, and from where: API Gateway's source IP, never a client's header."""

    type: str
    id: str
    source_ip: str | None = None


def entry_id(merchant_id: str, action: str, entity_id: str, occurrence: str) -> str:
    """The same change always gets the same id, so a retried write finds its first attempt's entry
    (a capture or a refund happens once: its entity id is the occurrence)."""
    return derived_id("audit", merchant_id, action, entity_id, occurrence)


def shown_url(url: str | None) -> str:
    """A URL as a log may show it: scheme, host, port and path only."""
    if not url:
        return "none"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    hidden = " (query hidden)" if parts.query or parts.fragment else ""
    return f"{parts.scheme}://{host}{port}{parts.path}{hidden}"


def capture_summary(amount: int, currency: str) -> str:
    return f"Captured {amount} {currency}"


def refund_summary(amount: int, currency: str, payment_id: str) -> str:
    return f"Refund of {amount} {currency} on {payment_id}"


def webhook_summary(url: str | None, events: list[str] | None) -> str:
    subscribed = ", ".join(events) if events else "all events"
    return f"Webhook URL {shown_url(url)}; {subscribed}"[:MAX_SUMMARY]


def secret_summary() -> str:
    return "Webhook secret regenerated (the secret is shown once, to the caller only)"


def endpoint_summary(verb: str, url: str | None, events: list[str] | tuple[str, ...] | None) -> str:
    subscribed = ", ".join(events) if events else "all events"
    return f"Webhook endpoint {verb}: {shown_url(url)}; {subscribed}"[:MAX_SUMMARY]


def rotation_summary(overlap_ends: str) -> str:
    return f"Webhook secret rotated; the previous one verifies until {overlap_ends} (secrets are never logged)"


def replay_summary(
    since: str, until: str, status: str | None, event: str | None, endpoint_id: str | None, scheduled: int
) -> str:
    """What a bulk replay asked for and how many deliveries it scheduled."""
    filters = (("status", status), ("event", event), ("endpoint", endpoint_id))
    chosen = "".join(f", {name} {value}" for name, value in filters if value)
    return f"Replayed {scheduled} webhook deliveries created from {since} to {until}{chosen}"
