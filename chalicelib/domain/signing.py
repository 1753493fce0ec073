"""Webhook signatures: the Razorpay-style hex HMAC and the Standard Webhooks scheme."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
HEX_HEADER = "X-Webhook-Signature"
# During a rotation's overlap, until the merchant promotes the new secret: its hex signature.
HEX_HEADER_NEW = "X-Webhook-Signature-New"


@dataclass(frozen=True)
class SigningKeys:
    """The secrets that sign one endpoint's deliveries now, in clear: `current` (the newest) and,
    during a rotation's overlap, `previous`; `promoted` says whether the single-signature hex
    header has moved to `current` yet (docs/decisions.md, "Hex signatures during a rotation")."""

    current: str
    previous: str | None = None
    promoted: bool = True


def hex_signature(body: bytes, secret: str) -> str:
    """X-Webhook-Signature: what razorpay's utility.verify_webhook_signature checks."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_standard_secret(secret: str) -> bool:
    """Standard Webhooks needs whsec_ followed by real base64 key bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        return len(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


def standard_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def signature_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """webhook-id and webhook-timestamp always go out (receivers dedupe on the id); the
    Standard Webhooks signature only when the secret has the whsec_<base64> form it needs."""
    if is_standard_secret(secret):
        headers = standard_headers(secret, message_id, timestamp, body)
    else:
        headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    headers["X-Webhook-Signature"] = hex_signature(body.encode(), secret)
    return headers


def signed_headers(keys: SigningKeys, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The headers of one delivery signed with every secret that is valid now.

    Standard Webhooks: one `v1,<signature>` per whsec_<base64> secret, newest first, space
    separated (the spec's verifiers accept the message when any one matches), so a receiver with
    either secret verifies during the overlap. Hex: one header holds one signature, so it stays on
    the previous secret until the merchant promotes the new one (or the overlap ends), while
    X-Webhook-Signature-New carries the new secret's; afterwards only the new one, in the usual
    header."""
    headers = {"webhook-id": message_id, "webhook-timestamp": str(timestamp)}
    secrets = [keys.current] + ([keys.previous] if keys.previous else [])
    standard = [
        standard_headers(secret, message_id, timestamp, body)["webhook-signature"]
        for secret in secrets
        if is_standard_secret(secret)
    ]
    if standard:
        headers["webhook-signature"] = " ".join(standard)
    raw = body.encode()
    if keys.previous and not keys.promoted:
        headers[HEX_HEADER] = hex_signature(raw, keys.previous)
        headers[HEX_HEADER_NEW] = hex_signature(raw, keys.current)
    else:
        headers[HEX_HEADER] = hex_signature(raw, keys.current)
    return headers


RAZORPAY_SIGNATURE_HEADER = "X-Razorpay-Signature"
RAZORPAY_EVENT_ID_HEADER = "X-Razorpay-Event-Id"


def razorpay_headers(keys: SigningKeys, event_id: str, body: str) -> dict[str, str]:
    """A `razorpay`-format delivery's headers: Razorpay's one hex HMAC-SHA256 of the raw body, on
    the secret the gateway's own hex header would use (the previous one until a rotation is
    promoted), and its event id."""
    secret = keys.previous if keys.previous and not keys.promoted else keys.current
    return {RAZORPAY_SIGNATURE_HEADER: hex_signature(body.encode(), secret), RAZORPAY_EVENT_ID_HEADER: event_id}
