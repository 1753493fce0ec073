"""Who is calling: API key and secret (headers or HTTP Basic), or a dashboard session (Bearer)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from ..domain.errors import AuthenticationFailed
from ..store.records import Merchant
from . import merchants, sessions


def _header(headers: Mapping[str, str], name: str) -> str:
    return (headers.get(name) or headers.get(name.lower()) or "").strip()


def bearer_token(headers: Mapping[str, str]) -> str | None:
    scheme, _, value = _header(headers, "Authorization").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(headers: Mapping[str, str]) -> Merchant:
    api_key = _header(headers, "X-Api-Key")
    if api_key:
        return merchants.authenticate(api_key, _header(headers, "X-Api-Secret"))
    scheme, _, value = _header(headers, "Authorization").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationFailed(merchants.INVALID_CREDENTIALS) from None
        return merchants.authenticate(user, password)
    if scheme.lower() == "bearer" and value.strip():
        return sessions.authenticate(value.strip())
    raise AuthenticationFailed(merchants.INVALID_CREDENTIALS)
