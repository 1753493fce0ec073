"""Every API route goes through `endpoint`: authenticate, validate, run the service (under an
idempotency key when asked), and answer JSON or a structured error. Routes are recorded in
OPERATIONS, which the OpenAPI description is generated from."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar, overload

from botocore.exceptions import ConnectionError as AwsConnectionError
from botocore.exceptions import HTTPClientError
from chalice import Blueprint, Response
from chalice.app import CaseInsensitiveMapping, Request
from pydantic import BaseModel

from ..domain.audit import Actor
from ..domain.errors import AuthenticationFailed, GatewayError, NotFound, ServiceUnavailable
from ..logs import logger
from ..services import auth, idempotency, merchants, throttling
from ..services.listing import Listing
from ..store.records import Merchant
from . import actors, cors
from .schemas import Page
from .validation import parse_body, parse_query

MERCHANT = "merchant"  # key and secret, HTTP Basic, or a dashboard session
PUBLIC_KEY = "public_key"  # the API key alone, for the browser's checkout
NONE = "none"

# What a handler answers: JSON that json.dumps takes as it is (Mapping and Sequence, not dict and
# list, so that the services' `dict` and `list[dict]` fit without copying). A handler that picks its
# own status answers (status, JSON) instead: `_serve` reads any tuple so, so a JSON array is a list.
JSON: TypeAlias = Mapping[str, "JSON"] | Sequence["JSON"] | str | int | float | bool | None
Answer: TypeAlias = JSON | tuple[int, JSON]

# The validated request body and query string of a call: their pydantic models, or None for an
# endpoint that takes none (`Call[CreateOrder, None]`, `Call[None, Page]`).
BodyT = TypeVar("BodyT", bound=BaseModel | None)
QueryT = TypeVar("QueryT", bound=BaseModel | None)
B = TypeVar("B", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)

# The model of an operation's answer (api/responses.py), or {status: model, or None to drop one}.
ResponseSpec: TypeAlias = type[BaseModel] | dict[int, type[BaseModel] | None] | None


@dataclass
class Call(Generic[BodyT, QueryT]):
    """What a handler gets: the caller, the validated input and the path parameters."""

    caller: Merchant | None  # None only where the endpoint's auth mode is NONE
    body: BodyT
    query: QueryT
    params: dict[str, str]
    headers: CaseInsensitiveMapping
    idempotency_key: str | None = None
    # The caller's address as API Gateway saw it (requestContext.identity.sourceIp), never a
    # header the caller can write (X-Forwarded-For): what throttling counts per client.
    source_ip: str | None = None
    origin: Actor | None = None  # who is calling and from where, for the audit log (api/actors.py)

    @property
    def actor(self) -> Actor:
        """The authenticated caller as the audit log names it: MERCHANT endpoints only."""
        if self.origin is None:
            raise AuthenticationFailed("This endpoint does not authenticate a merchant")
        return self.origin

    @property
    def merchant(self) -> Merchant:
        """The authenticated merchant: always there for MERCHANT and PUBLIC_KEY endpoints."""
        if self.caller is None:  # an endpoint with auth_mode NONE asked for its caller
            raise AuthenticationFailed("This endpoint does not authenticate its caller")
        return self.caller


Handler: TypeAlias = Callable[[Call[BodyT, QueryT]], Answer]


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One route: what OpenAPI describes (api/openapi.py) and what `_serve` runs."""

    method: str
    path: str
    name: str
    summary: str
    auth: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    status: int
    idempotent: bool
    response: ResponseSpec = None
    tags: tuple[str, ...] = ()
    handler: Handler[Any, Any]


OPERATIONS: list[Operation] = []


def json_text(body: JSON) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def json_response(status: int, body: JSON, headers: dict[str, str] | None = None) -> Response:
    return text_response(status, json_text(body), headers)


def text_response(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(body=text, status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def error_response(error: GatewayError) -> Response:
    return json_response(error.status, error.to_body(), error.headers())


# The models given to `endpoint` are the ones its handler's Call carries: `body=CreateOrder` and no
# query takes a handler of Call[CreateOrder, None]. One overload for each of the four cases.
@overload
def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    auth_mode: str = ...,
    body: type[B],
    query: type[Q],
    status: int = ...,
    idempotent: bool = ...,
    response: ResponseSpec = ...,
    tags: tuple[str, ...] = ...,
) -> Callable[[Handler[B, Q]], Handler[B, Q]]: ...


@overload
def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    auth_mode: str = ...,
    body: type[B],
    query: None = ...,
    status: int = ...,
    idempotent: bool = ...,
    response: ResponseSpec = ...,
    tags: tuple[str, ...] = ...,
) -> Callable[[Handler[B, None]], Handler[B, None]]: ...


@overload
def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    auth_mode: str = ...,
    body: None = ...,
    query: type[Q],
    status: int = ...,
    idempotent: bool = ...,
    response: ResponseSpec = ...,
    tags: tuple[str, ...] = ...,
) -> Callable[[Handler[None, Q]], Handler[None, Q]]: ...


@overload
def endpoint(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    auth_mode: str = ...,
    body: None = ...,
    query: None = ...,
    status: int = ...,
    idempotent: bool = ...,
    response: ResponseSpec = ...,
    tags: tuple[str, ...] = ...,
) -> Callable[[Handler[None, None]], Handler[None, None]]: ...


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
    response: ResponseSpec = None,
    tags: tuple[str, ...] = (),
) -> Callable[[Handler[Any, Any]], Handler[Any, Any]]:
    def register(handler: Handler[Any, Any]) -> Handler[Any, Any]:
        name = handler.__name__
        operation = Operation(
            method=method,
            path=path,
            name=name,
            summary=summary,
            auth=auth_mode,
            body=body,
            query=query,
            status=status,
            idempotent=idempotent,
            response=response,
            tags=tags,
            handler=handler,
        )

        def view(**params: str) -> Response:
            try:
                return _serve(operation, bp.current_request, params)
            except GatewayError as error:
                return error_response(error)
            except Exception as error:  # noqa: BLE001 - the one place unexpected errors become a 500
                if unreachable(error):
                    logger.warning("AWS unreachable", extra={"route": f"{method} {path}", "error": repr(error)})
                    return error_response(ServiceUnavailable("DynamoDB or SQS cannot be reached; try again shortly"))
                logger.exception("unhandled error", extra={"route": f"{method} {path}"})
                return error_response(GatewayError("Something went wrong on our side; it has been logged"))

        view.__name__ = name
        bp.route(path, methods=[method], content_types=["*/*"], name=name)(view)
        cors.allow_preflight(bp, path)
        OPERATIONS.append(operation)
        return handler

    return register


# Ids are ~25 characters. DynamoDB refuses a key over 2048 bytes with an error that would be a 500.
MAX_PATH_PARAMETER = 255


def _serve(op: Operation, request: Request, params: dict[str, str]) -> Response:
    for name, value in params.items():
        if len(value) > MAX_PATH_PARAMETER:
            raise NotFound("No such resource", name)
    source_ip = actors.source_ip(request)
    write = op.method != "GET"
    if op.auth == PUBLIC_KEY:
        throttling.public_ip(write, source_ip)
    merchant = auth.authenticate(request.headers) if op.auth == MERCHANT else None
    body = parse_body(op.body, request.raw_body) if op.body else None
    query = parse_query(op.query, request.query_params) if op.query else None
    if op.auth == PUBLIC_KEY:  # the key may come in the body, the query string or X-Api-Key
        key_given = getattr(body, "key", None) or getattr(query, "key", None) or request.headers.get("x-api-key")
        merchant = merchants.by_public_key(key_given)
        throttling.public_key(write, merchant.api_key)
    key = (request.headers.get(idempotency.HEADER) or "").strip() or None if op.idempotent else None
    origin = actors.actor_of(request, merchant) if op.auth == MERCHANT and merchant is not None else None
    call: Call[Any, Any] = Call(merchant, body, query, params, request.headers, key, source_ip, origin)

    def work() -> dict[str, Any]:
        result = op.handler(call)
        status, body = result if isinstance(result, tuple) else (op.status, result)  # a handler may pick its status
        # The answer is kept as its text: a replay sends the first answer's bytes again (the
        # idempotency record stores JSON with sorted keys, which would reorder an object's fields).
        return {"status": status, "text": json_text(body)}

    if key and merchant is not None:
        fingerprint = {
            "method": op.method,
            "path": op.path,
            "params": params,
            "body": body.model_dump(mode="json") if body else None,
        }
        outcome, replayed = idempotency.run(merchant.id, key, fingerprint, work)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        # Records saved before answers were kept as text hold the body as JSON (24 h at most).
        text = outcome["text"] if "text" in outcome else json_text(outcome["body"])
        return text_response(outcome["status"], text, headers)
    outcome = work()
    return text_response(outcome["status"], outcome["text"])


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


def chalice_errors(event: Request, get_response: Callable[[Request], Response]) -> Response:
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        status = response.status_code
        code = _CHALICE_CODES.get(status, GatewayError.code if status >= 500 else "BAD_REQUEST_ERROR")
        response.body = {"error": {"code": code, "description": str(body["Message"])}}
        response.headers["Content-Type"] = "application/json"
    return response


def page_envelope(listing: Listing, query: Page) -> dict[str, JSON]:
    return {
        "data": listing.items,
        "total": listing.total,
        "limit": query.limit,
        "offset": query.offset,
        "has_more": listing.next_cursor is not None,
        "next_cursor": listing.next_cursor,
    }
