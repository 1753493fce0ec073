"""Dashboard sessions: a signed token (JWT, HS256) that expires, backed by a session record that
logout deletes, so a token stops working the moment its owner logs out."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from ..config import session_secret, settings
from ..domain import clock
from ..domain.errors import AuthenticationFailed
from ..store import store
from ..store.records import Merchant, Session
from .passwords import verify_password

_ALGORITHM = "HS256"
# A fixed hash, verified when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _secret() -> str:
    return session_secret()  # a ConfigError without SESSION_SECRET (config.py says when)


def login(email: str, password: str) -> dict[str, Any]:
    merchant = store().merchants.by_email(email.strip().lower())
    if not verify_password(password, merchant.password_hash if merchant else _DUMMY_HASH) or merchant is None:
        raise AuthenticationFailed("Invalid email or password")
    session_id = secrets.token_urlsafe(24)
    issued = int(time.time())
    expires = issued + settings().session_ttl_seconds
    store().sessions.create(Session(session_id, merchant.id, datetime.fromtimestamp(expires, UTC)))
    import jwt  # imported on use: it pulls in cryptography, which most cold starts never need

    token = jwt.encode(
        {"sub": merchant.id, "sid": session_id, "iat": issued, "exp": expires}, _secret(), algorithm=_ALGORITHM
    )
    return {
        "token": token,
        "token_type": "Bearer",
        "expires_at": clock.iso(clock.from_epoch(expires)),
        "merchant": {"id": merchant.id, "name": merchant.name, "email": merchant.email},
    }


def _claims(token: str) -> dict[str, Any]:
    import jwt

    try:
        return jwt.decode(token, _secret(), algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "sid"]})
    except jwt.PyJWTError:
        raise AuthenticationFailed("Invalid or expired session") from None


def authenticate(token: str) -> Merchant:
    claims = _claims(token)
    session = store().sessions.get(claims["sid"])
    # TTL deletion is lazy, so expiry is checked here too.
    if session is None or session.merchant_id != claims["sub"] or session.expires_at < clock.now():
        raise AuthenticationFailed("Invalid or expired session")
    merchant = store().merchants.get(claims["sub"])
    if merchant is None:
        raise AuthenticationFailed("Invalid or expired session")
    return merchant


def logout(token: str) -> dict[str, Any]:
    store().sessions.delete(_claims(token)["sid"])
    return {"logged_out": True}
