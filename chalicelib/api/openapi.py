"""GET /openapi.json: the OpenAPI 3.1 description, generated from OPERATIONS and the pydantic models.

Nothing here is a second copy of a schema: request bodies, query parameters and responses all come
from the models' own JSON Schema. The document is built on the first request, not at import, so a
cold start pays nothing for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, TypeAlias

from chalice import Blueprint
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, JsonSchemaValue

from ..domain.errors import (
    AuthenticationFailed,
    BadRequest,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
)
from ..services.idempotency import HEADER as IDEMPOTENCY_HEADER
from ..services.idempotency import MAX_KEY_LENGTH
from . import responses
from .endpoint import JSON, MERCHANT, NONE, OPERATIONS, PUBLIC_KEY, Call, Operation, chalice_errors, endpoint

bp = Blueprint(__name__)
bp.register_middleware(chalice_errors, "http")  # Chalice's own 405/415/500 answers in the Error shape too

# A model's JSON Schema, as it validates input ("validation") or as it describes output ("serialization").
ModelMode: TypeAlias = tuple[type[BaseModel], JsonSchemaMode]
# pydantic keys its answer by a union with its dataclasses' type, which is private to it.
SchemaKeys: TypeAlias = dict[tuple[type[Any], JsonSchemaMode], JsonSchemaValue]

COMPONENT = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}

SECURITY_SCHEMES = {
    "ApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": "The API key; with X-Api-Secret for merchant endpoints, alone for public ones",
    },
    "ApiSecret": {"type": "apiKey", "in": "header", "name": "X-Api-Secret"},
    "Basic": {"type": "http", "scheme": "basic", "description": "base64(key:secret), as the razorpay clients send"},
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A dashboard session token from POST /api/v1/dashboard/login",
    },
}
Security: TypeAlias = list[dict[str, list[str]]]  # requirement objects: any one of them suffices
SECURITY: dict[str, Security] = {
    MERCHANT: [{"ApiKey": [], "ApiSecret": []}, {"Basic": []}, {"Bearer": []}],
    PUBLIC_KEY: [{"ApiKey": []}, {}],  # or `key` in the query or body
    NONE: [],
}
SECURITY_OF: dict[str, Security] = {"logout": [{"Bearer": []}]}  # it ends the session its Bearer token belongs to

# Why each error status is answered, in the words of docs/api.md.
ERRORS = {
    BadRequest.status: "Invalid input, or an operation the resource's state forbids",
    AuthenticationFailed.status: "Bad or missing credentials",
    NotFound.status: "No such resource, or it belongs to another merchant",
    IdempotencyKeyInUse.status: "A request with the same Idempotency-Key is still running",
    IdempotencyKeyReused.status: "The Idempotency-Key was used with a different request",
    TooManyRequests.status: "A throttling budget is spent; Retry-After says when to try again",
    500: "An unexpected error; it has been logged",
    ServiceUnavailable.status: "DynamoDB or SQS cannot be reached",
}

# How the operations feed each other (OpenAPI links): an id one answer returns is what the next
# operation takes. Keyed by operationId, then by the status of the answer the id comes from.
_ID = "$response.body#/id"
LINKS: dict[str, dict[int, dict[str, tuple[str, dict[str, Any]]]]] = {
    "create_order": {
        201: {
            "GetOrder": ("get_order", {"parameters": {"path.id": _ID}}),
            "ListOrderPayments": ("list_order_payments", {"parameters": {"path.id": _ID}}),
            "GetPublicOrder": ("get_public_order", {"parameters": {"path.id": _ID}}),
            "PayByUpi": ("create_payment", {"requestBody": {"order_id": _ID, "method": "upi", "vpa": "success@test"}}),
            "PayByCard": (
                "create_payment",
                {
                    "requestBody": {
                        "order_id": _ID,
                        "method": "card",
                        "card": {"number": "4111111111111111", "expiry_month": 12, "expiry_year": 2099, "cvv": "123"},
                    }
                },
            ),
        }
    },
    "create_payment": {
        201: {
            "GetPayment": ("get_payment", {"parameters": {"path.id": _ID}}),
            "GetPublicPayment": ("get_public_payment", {"parameters": {"path.id": _ID}}),
            "CapturePayment": (
                "capture_payment",
                {"parameters": {"path.id": _ID}, "requestBody": {"amount": "$response.body#/amount"}},
            ),
            "RefundPayment": ("create_refund", {"parameters": {"path.id": _ID}}),
            "ListPaymentRefunds": ("list_payment_refunds", {"parameters": {"path.id": _ID}}),
        }
    },
    "create_refund": {
        201: {
            "GetRefund": ("get_refund", {"parameters": {"path.id": _ID}}),
            "GetPaymentRefund": (
                "get_payment_refund",
                {"parameters": {"path.id": "$response.body#/payment_id", "path.refund_id": _ID}},
            ),
        }
    },
    "send_test_webhook": {
        202: {
            "GetWebhook": ("get_webhook", {"parameters": {"path.id": _ID}}),
            "RetryWebhook": ("retry_webhook", {"parameters": {"path.id": _ID}}),
        }
    },
}


@endpoint(
    bp,
    "GET",
    "/openapi.json",
    summary="This OpenAPI 3.1 description",
    auth_mode=NONE,
    response={200: responses.OpenApiDocument, 503: None},
    tags=("meta",),
)
def openapi_document(_call: Call[None, None]) -> JSON:
    return document()


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """Built once, on the first request: by then app.py has registered every blueprint."""
    operations = list(OPERATIONS)
    models = _models(operations)
    keys, definitions = _json_schemas(models)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Payment gateway API",
            "version": "1.0.0",
            "description": "Orders, payments, refunds and webhooks. Money is an integer in minor "
            "units; times are UTC ISO-8601 with a Z. See docs/api.md.",
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        # Sorted: the operations' order is the modules' import order, which differs by process.
        "tags": [{"name": tag} for tag in sorted({tag for op in operations for tag in op.tags})],
        "paths": paths,
        "components": {"schemas": definitions, "securitySchemes": SECURITY_SCHEMES},
    }


def responses_of(op: Operation) -> dict[int, type[BaseModel] | None]:
    """Status -> model (None: no body schema) for every status the operation can answer: its own
    success answer, the errors its inputs and authentication can cause, and those it declares."""
    declared = op.response if isinstance(op.response, dict) else {op.status: op.response}
    answers: dict[int, type[BaseModel] | None] = {op.status: None}
    inferred = [500, ServiceUnavailable.status]
    if op.body or op.query or op.idempotent:
        inferred.append(BadRequest.status)
    if op.auth != NONE:
        inferred.append(AuthenticationFailed.status)
    if "{" in op.path:
        inferred.append(NotFound.status)
    if op.idempotent:
        inferred += [IdempotencyKeyInUse.status, IdempotencyKeyReused.status]
    if op.auth == PUBLIC_KEY:  # per key and per client IP budgets (services/throttling.py)
        inferred.append(TooManyRequests.status)
    answers.update({status: responses.Error for status in inferred})
    answers.update(declared)
    return {status: model for status, model in sorted(answers.items()) if model is not None or status == op.status}


def _models(operations: list[Operation]) -> list[ModelMode]:
    found: dict[ModelMode, None] = {(responses.Error, "serialization"): None}
    for op in operations:
        if op.body is not None:
            found[(op.body, "validation")] = None
        for model in responses_of(op).values():
            if model is not None:
                found[(model, "serialization")] = None
    return list(found)


def _json_schemas(models: list[ModelMode]) -> tuple[SchemaKeys, dict[str, JsonSchemaValue]]:
    """One JSON Schema per model (the response models build theirs only now), as components."""
    from pydantic.json_schema import models_json_schema  # only when the document is built

    keys, top = models_json_schema(models, ref_template=COMPONENT)
    return keys, top.get("$defs", {})


def _ref(keys: SchemaKeys, model: type[BaseModel], mode: JsonSchemaMode) -> JsonSchemaValue:
    return keys[(model, mode)]


def _operation(op: Operation, keys: SchemaKeys) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": list(op.tags),
        "security": SECURITY_OF.get(op.name, SECURITY[op.auth]),
    }
    parameters = _path_parameters(op.path) + (_query_parameters(op.query) if op.query else [])
    if op.idempotent:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "Replays the first answer to the same request for 24 hours; scoped to the merchant. "
                "Surrounding spaces are ignored, and an empty key is the same as none.",
                "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]*$"},
            }
        )
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(keys, op.body, "validation")}},
        }
    spec["responses"] = {str(status): _response(op, status, model, keys) for status, model in responses_of(op).items()}
    return spec


def _response(op: Operation, status: int, model: type[BaseModel] | None, keys: SchemaKeys) -> dict[str, Any]:
    if status >= 400:
        # An error without a model of its own (none is declared so) still answers in the Error shape.
        schema = ERROR_REF if model is None or model is responses.Error else _ref(keys, model, "serialization")
        answer: dict[str, Any] = {
            "description": ERRORS.get(status, "Error"),
            "content": {"application/json": {"schema": schema}},
        }
    else:
        answer = {"description": (model.__doc__ or op.summary).strip().splitlines()[0] if model else op.summary}
        if model is not None:
            answer["content"] = {"application/json": {"schema": _ref(keys, model, "serialization")}}
    if status == TooManyRequests.status:
        answer["headers"] = {
            "Retry-After": {
                "description": "Seconds until the spent budget's window ends",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    if op.idempotent and status < 400:
        answer["headers"] = {
            "Idempotent-Replayed": {
                "description": "Present, and true, when this is the stored answer to an earlier request with the key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    links = LINKS.get(op.name, {}).get(status)
    if links:
        answer["links"] = {name: {"operationId": target, **how} for name, (target, how) in links.items()}
    return answer


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", path)
    ]


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = _not_null(prop)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        parameters.append(parameter)
    return parameters


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string has no null: an optional parameter is simply left out."""
    schema = {
        key: value for key, value in schema.items() if key != "title" and not (key == "default" and value is None)
    }
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if "anyOf" in schema and len(options) == 1:
        del schema["anyOf"]
        schema.update(options[0])
    elif "anyOf" in schema:
        schema["anyOf"] = options
    return schema
