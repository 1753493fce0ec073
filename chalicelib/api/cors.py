"""CORS for the dashboard and checkout origins (CORS_ORIGINS).

Chalice's CORSConfig allows a single origin per route; the gateway serves several, so it answers
with the request's Origin when that origin is allowed, and registers its own preflight routes.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response
from chalice.app import Request

from ..config import settings

ALLOWED_HEADERS = "Content-Type,Authorization,X-Api-Key,X-Api-Secret,Idempotency-Key"
EXPOSED_HEADERS = "Idempotent-Replayed,Retry-After"

_preflight_paths: set[str] = set()


def headers_for(origin: str | None) -> dict[str, str | list[str]]:
    allowed = settings().cors_origins
    if not origin or not ("*" in allowed or origin in allowed):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", "Access-Control-Expose-Headers": EXPOSED_HEADERS}


def middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(event)
    response.headers.update(headers_for(event.headers.get("origin")))
    return response


def allow_preflight(bp: Blueprint, path: str) -> None:
    """One OPTIONS route per path, answering for every method the path has."""
    if path in _preflight_paths:
        return
    _preflight_paths.add(path)

    def preflight(**_params: str) -> Response:
        headers = headers_for(bp.current_request.headers.get("origin"))
        if headers:
            headers.update(
                {
                    "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": "600",
                }
            )
        return Response(body="", status_code=204, headers=headers)

    name = "preflight_" + "".join(ch if ch.isalnum() else "_" for ch in path).strip("_")
    preflight.__name__ = name
    bp.route(path, methods=["OPTIONS"], name=name)(preflight)
