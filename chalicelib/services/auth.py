"""Who is calling: API key and secret (headers or HTTP Basic), or a dashboard session (Bearer)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from ..domain.errors import AuthenticationFailed
from ..store.records import Merchant
from . import merchants, sessions

SESSION = "session"


def _header(headers: Mapping[str, str], name: str) -> str:
    return (headers.get(name) or headers.get(name.lower()) or "").strip()


def bearer_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = _header(headers, "Authorization").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _key_and_secret(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The API key and secret a call carries (headers or HTTP Basic), or None for another scheme."""
    api_key = _header(headers, "X-Api-Key")
    if api_key:
        return api_key, _header(headers, "X-Api-Secret")
    scheme, _, value = _header(headers, "Authorization").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationFailed(merchants.INVALID_CREDENTIALS) from None
        return user, password
    return None


def authenticate(headers: Mapping[str, str]) -> Merchant:
    key_and_secret = _key_and_secret(headers)
    if key_and_secret is not None:
        return merchants.authenticate(*key_and_secret)
    token = bearer_token(headers)
    if token is not None:
        return sessions.authenticate(token)
    raise AuthenticationFailed(merchants.INVALID_CREDENTIALS)


def credential_kind(headers: Mapping[str, str]) -> str:
    """How an authenticated call proved itself: SESSION, or merchants.CURRENT / PREVIOUS for the
    API secret, judged on the stored merchant (a cached copy may predate a rotation)."""
    key_and_secret = _key_and_secret(headers)
    if key_and_secret is not None:
        return merchants.authenticate_secret(*key_and_secret, fresh=True)[1]
    return SESSION


def presented_secret(headers: Mapping[str, str]) -> str | None:
    """The API secret a call carries, or None for a dashboard session."""
    key_and_secret = _key_and_secret(headers)
    return key_and_secret[1] if key_and_secret is not None else None


def require_current_secret_or_session(headers: Mapping[str, str]) -> str:
    """What reveals or replaces credentials refuses a rotated-out secret: if it leaked (the reason
    to rotate), it must not be able to read or rotate to the secret that replaced it."""
    kind = credential_kind(headers)
    if kind == merchants.PREVIOUS:
        raise AuthenticationFailed("This API secret has been rotated: it cannot read or rotate credentials")
    return kind
