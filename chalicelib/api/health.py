"""Liveness of the gateway's dependencies (no auth)."""

from __future__ import annotations

from chalice import Blueprint

from ..services import health
from .endpoint import JSON, NONE, Call, endpoint
from .responses import Health

bp = Blueprint(__name__)


def _health() -> tuple[int, JSON]:
    healthy, body = health.check()
    return (200 if healthy else 503), body


@endpoint(
    bp,
    "GET",
    "/health",
    summary="DynamoDB and SQS reachability",
    auth_mode=NONE,
    response={200: Health, 503: Health},
    tags=("health",),
)
def health_check(_call: Call[None, None]) -> tuple[int, JSON]:
    return _health()


@endpoint(
    bp,
    "GET",
    "/actuator/health",
    summary="The same check, at the path Spring-style monitors probe",
    auth_mode=NONE,
    response={200: Health, 503: Health},
    tags=("health",),
)
def actuator_health(_call: Call[None, None]) -> tuple[int, JSON]:
    return _health()
