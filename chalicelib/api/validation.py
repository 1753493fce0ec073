"""Turning request bytes and query strings into validated models, and pydantic's errors into
one clear 400 that names the field. Input values are never echoed: they may be card data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..domain.errors import BadRequest
from .schemas import FieldError

MAX_BODY_BYTES = 64 * 1024

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "{field} is required",
    "extra_forbidden": "{field} is not a recognised field",
    "int_type": "{field} must be an integer",
    "int_parsing": "{field} must be an integer",
    "string_type": "{field} must be a string",
    "dict_type": "{field} must be an object",
    "model_type": "{field} must be an object",
    "list_type": "{field} must be a list",
    "bool_type": "{field} must be a boolean",
    "literal_error": "{field} must be one of {expected}",
    "enum": "{field} must be one of {expected}",
    "greater_than_equal": "{field} must be at least {ge}",
    "less_than_equal": "{field} must be at most {le}",
    "string_too_short": "{field} must be at least {min_length} characters",
    "string_too_long": "{field} must be at most {max_length} characters",
    "too_short": "{field} must have at least {min_length} items",
    "too_long": "{field} must have at most {max_length} items",
    "control_character": "{field} must not contain control characters (found {char} at position {position})",
}


def _field(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location if part not in ("function-after", "function-before"))


def describe(error: ValidationError) -> BadRequest:
    first = error.errors(include_url=False, include_input=False)[0]
    kind, context = first["type"], first.get("ctx") or {}
    if kind == "json_invalid":
        return BadRequest("Request body must be valid JSON")
    location = first["loc"]
    subject = None
    if len(location) >= 2 and location[-1] == "[key]":
        # A bad key of an object: name the object, never the key itself (it is the bad input).
        location = location[:-2]
        subject = f"a key of {_field(location)}"
    field = _field(location)
    cause = context.get("error")
    if isinstance(cause, FieldError):
        return BadRequest(str(cause), ".".join(part for part in (field, cause.field) if part))
    if not field and kind in ("model_type", "dict_type", "model_attributes_type"):
        return BadRequest("Request body must be a JSON object")
    template = _MESSAGES.get(kind)
    if template:
        message = template.format(
            field=subject or field or "value", **{k: v for k, v in context.items() if k != "field"}
        )
    elif cause:
        message = str(cause)  # our own validators' messages are written to stand alone
    else:
        message = f"{field}: {first['msg']}" if field else first["msg"]
    return BadRequest(message, field or None)


def parse_body(model: type[M], raw: str | bytes | None) -> M:
    if not raw:
        raise BadRequest("Request body must be a JSON object")
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"Request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        raise describe(error) from None


def parse_query(model: type[M], params: Mapping[str, str] | None) -> M:
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as error:
        raise describe(error) from None
