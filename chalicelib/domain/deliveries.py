"""Webhook deliveries: their states, what counts as delivered, and which URLs may receive them."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

PENDING, SUCCESS, FAILED, SKIPPED = "pending", "success", "failed", "skipped"
FINAL_STATES = (SUCCESS, FAILED, SKIPPED)
RESPONSE_BODY_LIMIT = 4096
KEPT_ATTEMPTS = 10  # a delivery keeps its latest ten attempts; `attempts` counts them all
GONE = 410  # the receiver says the endpoint is gone for good: disable it, retry nothing


# What an attempt keeps of what it saw, in UTF-8 bytes, so that no delivery item can exceed
# MAX_ITEM_BYTES: the largest payload the API can make (a refund with every note at its longest,
# ~19 KB) plus ten attempts at these limits (tests/contract_store/test_delivery_size.py).
KEPT_URL_BYTES = 1024  # the endpoint keeps the whole URL; an attempt shows where it went
KEPT_BODY_BYTES = 2048
KEPT_ERROR_BYTES = 512
MAX_ITEM_BYTES = 64 * 1024


def kept(text: str | None, max_bytes: int) -> str | None:
    """`text` cut to at most `max_bytes` of UTF-8, never inside a character."""
    if text is None:
        return None
    encoded = text.encode()
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode(errors="ignore")


def slot(attempt_number: int) -> int:
    """Where attempt n is kept: the slot of attempt n - 10, which it replaces."""
    return attempt_number % KEPT_ATTEMPTS


def latest_attempts(attempts: list[dict]) -> tuple[dict, ...]:
    """The latest KEPT_ATTEMPTS of `attempts` (in any order), oldest first."""
    return tuple(sorted(attempts, key=lambda entry: int(entry["number"]))[-KEPT_ATTEMPTS:])


MAX_URL_LENGTH = 2048


def is_delivered(status_code: int | None) -> bool:
    """Only 2xx counts: a redirect is not followed, it is a failed attempt."""
    return status_code is not None and 200 <= status_code < 300


def is_private_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def url_error(url: str, block_private: bool) -> str | None:
    """Why `url` cannot receive webhooks, or None when it can."""
    if len(url) > MAX_URL_LENGTH:
        return f"Webhook URL must be at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "Webhook URL is not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Webhook URL must be an absolute http or https URL"
    if any(ch.isspace() for ch in url):
        return "Webhook URL must not contain spaces"
    if block_private and (
        parts.hostname == "localhost" or parts.hostname.endswith(".localhost") or is_private_address(parts.hostname)
    ):
        return "Webhook URL must not point at a private or loopback address"
    return None
