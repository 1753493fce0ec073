"""Who is calling, for the audit log: the API key, or the dashboard session's user, and the
source IP API Gateway saw (`requestContext.identity.sourceIp`). Never a client's own header
(X-Forwarded-For and the like): anyone can write those."""

from __future__ import annotations

from chalice.app import Request

from ..domain.audit import API_KEY, DASHBOARD, Actor
from ..services.auth import bearer_token
from ..store.records import Merchant


def source_ip(request: Request) -> str | None:
    """API Gateway's requestContext.identity.sourceIp (the local API server fills it from the
    socket, infra/local/api_server.py): what throttling counts and the audit log records."""
    identity = (request.context or {}).get("identity") or {}
    value = identity.get("sourceIp") if isinstance(identity, dict) else None
    return value if isinstance(value, str) and value else None


def actor_of(request: Request, merchant: Merchant) -> Actor:
    """As services/auth.authenticate decides: X-Api-Key, then HTTP Basic, are the API key (the
    merchant's, since it authenticated); a Bearer token alone is a dashboard session."""
    headers = request.headers
    if not (headers.get("x-api-key") or "").strip() and bearer_token(headers):
        return Actor(DASHBOARD, merchant.email, source_ip(request))
    return Actor(API_KEY, merchant.api_key, source_ip(request))
