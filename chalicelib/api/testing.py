"""Endpoints for integration testing (no auth): the seeded merchant, extra merchants, and the
job counters. Each answers as an unknown route does (404) unless TEST_ENDPOINTS is on: off by
default in every stage, whatever its name; `make run` and the test stacks turn it on."""

from __future__ import annotations

from chalice import Blueprint

from ..config import settings
from ..domain.errors import RouteNotFound
from ..services import jobs_status, merchants
from .endpoint import JSON, NONE, Call, endpoint
from .responses import CreatedMerchant, Error, JobsStatus, SeededMerchant
from .schemas import NewTestMerchant

bp = Blueprint(__name__)
TAGS = ("test",)


def _require_test_endpoints() -> None:
    """Where they are off, these routes answer exactly as a route that does not exist."""
    if not settings().test_endpoints:
        raise RouteNotFound()


@endpoint(
    bp,
    "GET",
    "/api/v1/test/merchant",
    summary="The seeded test merchant",
    auth_mode=NONE,
    response={200: SeededMerchant, 404: Error},
    tags=TAGS,
)
def test_merchant(_call: Call[None, None]) -> JSON:
    _require_test_endpoints()
    return merchants.test_merchant_summary()


@endpoint(
    bp,
    "POST",
    "/api/v1/test/merchants",
    summary="Create an extra merchant with fresh credentials (local and test stages only)",
    auth_mode=NONE,
    body=NewTestMerchant,
    status=201,
    response={201: CreatedMerchant, 404: Error},
    tags=TAGS,
)
def create_test_merchant(call: Call[NewTestMerchant, None]) -> JSON:
    _require_test_endpoints()
    return merchants.create_for_testing(call.body.name, call.body.webhook_url)


@endpoint(
    bp,
    "GET",
    "/api/v1/test/jobs/status",
    summary="Queue depths, job counters and worker status",
    auth_mode=NONE,
    response={200: JobsStatus, 404: Error},
    tags=TAGS,
)
def jobs_status_view(_call: Call[None, None]) -> JSON:
    _require_test_endpoints()
    return jobs_status.status()
