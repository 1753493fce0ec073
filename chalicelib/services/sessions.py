"""Dashboard sessions: a signed token (JWT, HS256) that expires, backed by a session record that
logout deletes, so a token stops working the moment its owner logs out; logging out everywhere
bumps the merchant's session generation, which every session must match."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from ..config import session_secret, settings
from ..domain import audit as audit_rules
from ..domain import clock
from ..domain.errors import AuthenticationFailed
from ..store import store
from ..store.records import Merchant, Session
from . import audit, throttling
from .passwords import verify_password

_ALGORITHM = "HS256"
# A fixed hash, verified when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def _secret() -> str:
    return session_secret()  # a ConfigError without SESSION_SECRET (config.py says when)


def login(email: str, password: str, source_ip: str | None = None) -> dict[str, Any]:
    throttling.login_attempt(email, source_ip)  # a 429 here, before any scrypt
    merchant = store().merchants.by_email(email.strip().lower())
    if not verify_password(password, merchant.password_hash if merchant else _DUMMY_HASH) or merchant is None:
        raise AuthenticationFailed("Invalid email or password")
    throttling.login_succeeded(email, source_ip)
    session_id = secrets.token_urlsafe(24)
    issued = int(time.time())
    expires = issued + settings().session_ttl_seconds
    store().sessions.create(
        Session(session_id, merchant.id, datetime.fromtimestamp(expires, UTC), merchant.session_generation)
    )
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
    # A session from before the merchant's last "log out everywhere" is revoked.
    if merchant is None or session.generation != merchant.session_generation:
        raise AuthenticationFailed("Invalid or expired session")
    return merchant


def logout(token: str) -> dict[str, Any]:
    store().sessions.delete(_claims(token)["sid"])
    return {"logged_out": True}


def logout_everywhere(merchant: Merchant, actor: audit.Actor) -> dict[str, Any]:
    """Revoke every session of the merchant, this one included, in one atomic write: the
    generation every session must match is bumped, so no session is missed and none is left
    half-revoked by a crash (a delete per session could be). A login after this works."""
    generation = store().merchants.revoke_sessions(merchant.id)
    # Written after the revocation, on its own: the revocation is one atomic ADD that returns the
    # new generation, which a transaction cannot. A crash between the two loses only the entry.
    audit.record(
        merchant.id, actor, audit_rules.SESSIONS_REVOKE, merchant.id, f"Every session ended (generation {generation})"
    )
    return {"logged_out": True, "sessions_revoked": True}
