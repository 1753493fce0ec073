"""Webhook deliveries: their states, what counts as delivered, and which URLs may receive them."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

PENDING, SUCCESS, FAILED, SKIPPED = "pending", "success", "failed", "skipped"
FINAL_STATES = (SUCCESS, FAILED, SKIPPED)
RESPONSE_BODY_LIMIT = 2048
"""Bytes of UTF-8 kept of a receiver's answer: after decoding, so that a body of invalid bytes (each
one a 3-byte U+FFFD) cannot grow past it; 10 kept attempts stay far under the 64 KB item bound."""
MAX_URL_LENGTH = 2048


def is_delivered(status_code: int | None) -> bool:
    """Only 2xx counts: a redirect is not followed, it is a failed attempt."""
    return status_code is not None and 200 <= status_code < 300


# Never a webhook's destination, whatever a stage allows: the cloud's instance metadata services,
# whose answers (credentials) would land in the merchant's attempt log.
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("fe80::a9fe:a9fe"),
    }
)
# Carrier-grade NAT (RFC 6598): not global, and named here because Python's `is_private` leaves it
# out, so a check on `is_private` alone lets it through.
CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
# NAT64 (RFC 6052): an IPv6 address that a NAT64 gateway (AWS has them) turns into the IPv4
# address in its last 32 bits, which must be vetted as itself.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Names of metadata services, refused when a URL is saved (their addresses at delivery time).
METADATA_HOSTS = frozenset({"metadata.google.internal", "instance-data", "instance-data.ec2.internal"})

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), vetted in its stead."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: str, allow_private: bool) -> str | None:
    """Why a webhook may not connect to `address` (an IP address as text), or None when it may.

    Production (allow_private false) accepts only global unicast addresses; a stage that opts in to
    private URLs (WEBHOOK_BLOCK_PRIVATE_URLS=false) accepts loopback and private ones too, but never
    the metadata service."""
    try:
        parsed: Address = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return "Refused: not an IP address"
    embedded = _embedded_ipv4(parsed)
    candidates = [parsed] if embedded is None else [parsed, embedded]
    if any(candidate in METADATA_ADDRESSES for candidate in candidates):
        return "Refused: the URL resolves to the cloud metadata address"
    if not allow_private and not all(_is_public(candidate) for candidate in candidates):
        return "Refused: the URL resolves to a private or loopback address"
    return None


def _is_public(address: Address) -> bool:
    return address.is_global and not address.is_multicast and address not in CARRIER_GRADE_NAT


def is_private_address(host: str) -> bool:
    """True when `host` is an IP address a production webhook may not reach (any non-global one)."""
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return address_refusal(host, allow_private=False) is not None


def url_error(url: str, block_private: bool, *, allow_http: bool | None = None) -> str | None:
    """Why `url` cannot receive webhooks, or None when it can.

    `allow_http` None reads WEBHOOK_ALLOW_HTTP (config.py), so a caller that does not say is held
    to https in production rather than let through."""
    if allow_http is None:
        from ..config import settings  # late: the domain reads no setting unless asked to

        allow_http = settings().webhook_allow_http
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
    if parts.hostname in METADATA_HOSTS or is_metadata_address(parts.hostname):
        return "Webhook URL must not point at the cloud metadata address"
    if block_private and (
        parts.hostname == "localhost" or parts.hostname.endswith(".localhost") or is_private_address(parts.hostname)
    ):
        return "Webhook URL must not point at a private or loopback address"
    if parts.scheme != "https" and not allow_http:
        return "Webhook URL must use https"
    return None


def is_metadata_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return address_refusal(host, allow_private=True) is not None
