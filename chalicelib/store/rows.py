"""Records to rows and back: the only translation between chalicelib/store/records.py and the
PynamoDB models."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any, TypeVar

from pynamodb.attributes import MapAttribute
from pynamodb.models import Model

from .keys import (
    AWAITING_DUE,
    AWAITING_KEY,
    MERCHANT_KEY,
    PENDING,
    STATUS_KEY,
    awaiting_due,
    awaiting_key,
    merchant_key,
    status_key,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")
M = TypeVar("M", bound=Model)


def _plain(value: Any) -> Any:
    """A value read from a row as a record holds it: maps as dicts, lists as tuples, whole
    numbers as ints."""
    if isinstance(value, MapAttribute):
        return {key: _plain(item) for key, item in value.as_dict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def record(kind: type[R], model: Model) -> R:
    values: dict[str, Any] = {}
    for field in fields(kind):
        value = _plain(getattr(model, field.name, None))
        if value is None and field.default is MISSING and field.default_factory is not MISSING:
            value = field.default_factory()
        elif value is None and field.default is not MISSING:
            value = field.default
        values[field.name] = value
    return kind(**values)


def _stored(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_stored(item) for item in value]
    if isinstance(value, dict):
        return {key: _stored(item) for key, item in value.items()}
    return value


def row(kind: type[M], item: DataclassInstance) -> M:
    """The model of a record, ready to save; None values are left unset. A listed record gets
    its listing keys (store/keys.py) here, so every write of a new item carries them; a pending
    one its awaiting keys."""
    values = {field.name: _stored(getattr(item, field.name)) for field in fields(item)}
    attributes = kind.get_attributes()
    if MERCHANT_KEY in attributes:
        values[MERCHANT_KEY] = merchant_key(values["merchant_id"], values["id"])
    if STATUS_KEY in attributes:
        values[STATUS_KEY] = status_key(values["merchant_id"], values["status"], values["id"])
    if AWAITING_KEY in attributes and values["status"] == PENDING:
        # The sparse awaiting index's keys: only while the item waits (services/reconcile.py).
        values[AWAITING_KEY] = awaiting_key(values["id"])
        values[AWAITING_DUE] = awaiting_due(values)
    return kind(**{name: value for name, value in values.items() if value is not None})
