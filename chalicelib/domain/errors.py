"""The errors the API speaks: each carries its code, HTTP status and, where one field is at fault, the field."""

from __future__ import annotations


class GatewayError(Exception):
    status = 500
    code = "SERVER_ERROR"

    def __init__(self, description: str, field: str | None = None):
        super().__init__(description)
        self.description = description
        self.field = field

    def to_body(self) -> dict:
        error = {"code": self.code, "description": self.description}
        if self.field:
            error["field"] = self.field
        return {"error": error}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides its body."""
        return {}


class BadRequest(GatewayError):
    status = 400
    code = "BAD_REQUEST_ERROR"


class AuthenticationFailed(GatewayError):
    status = 401
    code = "AUTHENTICATION_ERROR"


class NotFound(GatewayError):
    status = 404
    code = "NOT_FOUND_ERROR"


# One fixed answer for every request no route takes: the local API server, API Gateway's gateway
# responses (infra/package.py) and switched-off test endpoints send these bytes. Nothing from the
# request is in it, so no credential can be echoed.
ROUTE_NOT_FOUND_DESCRIPTION = "No route matches this method and path"


class RouteNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__(ROUTE_NOT_FOUND_DESCRIPTION)


class Conflict(GatewayError):
    """Another request changed the same thing first (two rotations of one API secret)."""

    status = 409
    code = "CONFLICT_ERROR"


class IdempotencyKeyInUse(GatewayError):
    status = 409
    code = "IDEMPOTENCY_KEY_IN_USE"


class IdempotencyKeyReused(GatewayError):
    status = 422
    code = "IDEMPOTENCY_KEY_REUSED"


class ServiceUnavailable(GatewayError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


class TooManyRequests(GatewayError):
    """A throttling budget is spent: try again after `retry_after` seconds (the Retry-After header)."""

    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, description: str, retry_after: int):
        super().__init__(description)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
