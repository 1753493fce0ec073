"""Every API route goes through `endpoint`: authenticate, validate, run the service (under an
idempotency key when asked), and answer JSON or a structured error. Routes are recorded in
OPERATIONS, which the OpenAPI description is generated from."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ConnectionError as AwsConnectionError
from botocore.exceptions import HTTPClientError
from chalice import Blueprint, Response
from pydantic import BaseModel

from ..domain.errors import GatewayError, NotFound, ServiceUnavailable
from ..logs import logger
from ..services import auth, idempotency, merchants
from ..store.records import Merchant
from . import cors
from .validation import parse_body, parse_query

MERCHANT = "merchant"  # key and secret, HTTP Basic, or a dashboard session
PUBLIC_KEY = "public_key"  # the API key alone, for the browser's checkout
NONE = "none"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    name: str
    summary: str
    auth: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    status: int
    idempotent: bool
    response: Any = None  # the answer's model (api/responses.py), or {status: model, or None to drop one}
    tags: tuple[str, ...] = ()


OPERATIONS: list[Operation] = []


@dataclass
class Call:
    """What a handler gets: the caller, the validated input and the path parameters."""

    merchant: Merchant | None
    body: Any
    query: Any
    params: dict[str, str]
    headers: Any
    idempotency_key: str | None = None
    extra: dict = field(default_factory=dict)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def error_response(error: GatewayError) -> Response:
    return json_response(error.status, error.to_body())


def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    auth_mode: str = MERCHANT,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    status: int = 200,
    idempotent: bool = False,
    response: Any = None,
    tags: tuple[str, ...] = (),
) -> Callable:
    def register(handler: Callable[[Call], Any]) -> Callable:
        def view(**params: str) -> Response:
            request = bp.current_request
            try:
                return _serve(request, handler, params, method, path, auth_mode, body, query, status, idempotent)
            except GatewayError as error:
                return error_response(error)
            except Exception as error:  # noqa: BLE001 - the one place unexpected errors become a 500
                if unreachable(error):
                    logger.warning("AWS unreachable", extra={"route": f"{method} {path}", "error": repr(error)})
                    return error_response(ServiceUnavailable("DynamoDB or SQS cannot be reached; try again shortly"))
                logger.exception("unhandled error", extra={"route": f"{method} {path}"})
                return error_response(GatewayError("Something went wrong on our side; it has been logged"))

        view.__name__ = handler.__name__
        bp.route(path, methods=[method], content_types=["*/*"], name=handler.__name__)(view)
        cors.allow_preflight(bp, path)
        OPERATIONS.append(
            Operation(
                method, path, handler.__name__, summary, auth_mode, body, query, status, idempotent, response, tags
            )
        )
        return handler

    return register


# Ids are ~25 characters. DynamoDB refuses a key over 2048 bytes with an error that would be a 500.
MAX_PATH_PARAMETER = 255


def _serve(request, handler, params, method, path, auth_mode, body_model, query_model, status, idempotent) -> Response:
    for name, value in params.items():
        if len(value) > MAX_PATH_PARAMETER:
            raise NotFound("No such resource", name)
    merchant = auth.authenticate(request.headers) if auth_mode == MERCHANT else None
    body = parse_body(body_model, request.raw_body) if body_model else None
    query = parse_query(query_model, request.query_params) if query_model else None
    if auth_mode == PUBLIC_KEY:  # the key may come in the body, the query string or X-Api-Key
        key_given = getattr(body, "key", None) or getattr(query, "key", None) or request.headers.get("x-api-key")
        merchant = merchants.by_public_key(key_given)
    key = (request.headers.get(idempotency.HEADER) or "").strip() or None if idempotent else None
    call = Call(merchant, body, query, params, request.headers, key)

    def work() -> dict:
        result = handler(call)
        if isinstance(result, tuple):  # (status, body) when a handler picks its own status
            return {"status": result[0], "body": result[1]}
        return {"status": status, "body": result}

    if key and merchant is not None:
        fingerprint = {
            "method": method,
            "path": path,
            "params": params,
            "body": body.model_dump(mode="json") if body else None,
        }
        outcome, replayed = idempotency.run(merchant.id, key, fingerprint, work)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return json_response(outcome["status"], outcome["body"], headers)
    outcome = work()
    return json_response(outcome["status"], outcome["body"])


def unreachable(error: BaseException | None) -> bool:
    """Whether `error`, or what caused it (PynamoDB and powertools wrap botocore's), is a connection
    to DynamoDB or SQS that failed or timed out: docs/api.md answers that with 503, not 500."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (AwsConnectionError, HTTPClientError)):
            return True
        error = getattr(error, "cause", None) or error.__cause__ or error.__context__
    return False


# Chalice answers some requests itself, before any view runs: a method the path lacks (405, with
# Allow), a content type a route refuses (415), an error outside the views (500). These answers
# speak the API's error shape too. Registered as HTTP middleware by the openapi blueprint.
_CHALICE_CODES = {405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def chalice_errors(event, get_response) -> Response:
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        status = response.status_code
        code = _CHALICE_CODES.get(status, GatewayError.code if status >= 500 else "BAD_REQUEST_ERROR")
        response.body = {"error": {"code": code, "description": str(body["Message"])}}
        response.headers["Content-Type"] = "application/json"
    return response


def page_envelope(items: list, total: int, query) -> dict:
    return {"data": items, "total": total, "limit": query.limit, "offset": query.offset}
