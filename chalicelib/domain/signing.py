"""Webhook signatures: the Razorpay-style hex HMAC and the Standard Webhooks scheme."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


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
