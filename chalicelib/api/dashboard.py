"""Dashboard sessions: log in with email and password, log out, log out everywhere."""

from __future__ import annotations

from chalice import Blueprint

from ..domain.errors import AuthenticationFailed
from ..services import auth, sessions
from .endpoint import JSON, MERCHANT, NONE, Call, endpoint
from .responses import Error, LoginResponse, LogoutEverywhereResponse, LogoutResponse
from .schemas import Login

bp = Blueprint(__name__)


@endpoint(
    bp,
    "POST",
    "/api/v1/dashboard/login",
    summary="Exchange email and password for a session token",
    auth_mode=NONE,
    body=Login,
    response={200: LoginResponse, 401: Error, 429: Error},
    tags=("dashboard",),
)
def login(call: Call[Login, None]) -> JSON:
    return sessions.login(call.body.email, call.body.password, call.source_ip)


@endpoint(
    bp,
    "POST",
    "/api/v1/dashboard/logout",
    summary="End the session the token belongs to",
    auth_mode=MERCHANT,
    response=LogoutResponse,
    tags=("dashboard",),
)
def logout(call: Call[None, None]) -> JSON:
    token = auth.bearer_token(call.headers)
    if token is None:
        raise AuthenticationFailed("Logout needs the session's Bearer token")
    return sessions.logout(token)


@endpoint(
    bp,
    "POST",
    "/api/v1/dashboard/logout-everywhere",
    summary="End every session of the merchant, this one included",
    auth_mode=MERCHANT,
    response=LogoutEverywhereResponse,
    tags=("dashboard",),
)
def logout_everywhere(call: Call[None, None]) -> JSON:
    return sessions.logout_everywhere(call.merchant, call.actor)
