"""A merchant's webhook endpoints: a map in the merchant item (endpoint id -> its fields).

Every change is read, decided by chalicelib/domain/endpoint_changes.py, and written back under a
condition that the endpoint is still exactly what was read (DynamoDB compares whole maps), in one
transaction with its audit entry (and, for a disable, its event's delivery). A write that lost to
a concurrent one reads again and decides again, so two changes never overwrite each other's
fields: a rotation cannot undo the engine's failing_since, nor a disable a rotation.

An item from before migration 7 has no map, only the legacy webhook_* fields: its first change
writes the whole map (the synthesized default endpoint included) and removes them, under the
condition that the map is still absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action

from ..domain import endpoint_changes as changes
from ..domain.chaos import Chaos
from ..domain.counts import Deltas
from ..domain.endpoints import Endpoint, default_endpoint_id
from . import audit, counters
from .conditions import written
from .merchant_endpoints import legacy_default, ordered
from .models import DeliveryModel, MerchantModel
from .records import AuditEntry, Delivery, EndpointRotation
from .rows import row
from .transactions import Transaction

MAP = "webhook_endpoints"
LEGACY = ("webhook_url", "webhook_events", "webhook_secret_sealed")
MERCHANT = "merchant"
CONTENDED_ATTEMPTS = 8  # merchant-made changes are rare: losing this often to others is a fault

_REMOVE = object()  # a decision to remove the endpoint (delete)
Decision = Callable[[Endpoint | None, dict[str, Endpoint]], Endpoint | None | object]


class Contended(RuntimeError):
    """Other writers changed the endpoint between every read and write of this change."""


def serialized(endpoint: Endpoint) -> dict[str, Any]:
    """The endpoint as a DynamoDB map value (None fields left out)."""
    fields: dict[str, Any] = {}
    for name, value in vars(endpoint).items():
        if value is None:
            continue
        if isinstance(value, bool):
            fields[name] = {"BOOL": value}
        elif isinstance(value, Chaos):
            fields[name] = {"S": value.encoded()}
        elif isinstance(value, tuple):
            fields[name] = {"L": [{"S": item} for item in value]}
        else:
            fields[name] = {"S": str(value)}
    return {"M": fields}


def plain(endpoint: Endpoint) -> dict[str, Any]:
    """The endpoint as plain values, as an item's creation stores them (None fields left out)."""
    return {
        name: list(value) if isinstance(value, tuple) else value.encoded() if isinstance(value, Chaos) else value
        for name, value in vars(endpoint).items()
        if value is not None
    }


def endpoint_of(fields: Mapping[str, Any]) -> Endpoint:
    """An endpoint from the map's plain values (a newer release's extra fields are ignored)."""
    known = set(Endpoint.__dataclass_fields__)
    values = {name: value for name, value in fields.items() if name in known}
    if values.get("events") is not None:
        values["events"] = tuple(values["events"])
    if values.get("chaos") is not None:
        values["chaos"] = Chaos.decoded(str(values["chaos"]))
    return Endpoint(**values)


def _plain(value: Any) -> Any:
    return value.as_dict() if hasattr(value, "as_dict") else value


def endpoints_of(model: MerchantModel) -> tuple[dict[str, Endpoint], bool]:
    """Its endpoints by id, and whether they come from the map (False: synthesized from the
    legacy fields of an item not migrated yet)."""
    stored = getattr(model, MAP, None)
    if stored is not None:
        entries = _plain(stored)
        return {key: endpoint_of(_plain(fields)) for key, fields in entries.items()}, True
    events = [str(event) for event in model.webhook_events] if model.webhook_events else None
    synthesized = legacy_default(model.id, model.webhook_url, events, model.webhook_secret_sealed, model.created_at)
    return ({synthesized.id: synthesized} if synthesized else {}), False


def _read(merchant_id: str) -> MerchantModel | None:
    try:
        return MerchantModel.get(merchant_id, consistent_read=True)
    except MerchantModel.DoesNotExist:
        return None


def _write(
    merchant_id: str,
    endpoint_id: str,
    decide: Decision,
    audit_entry: AuditEntry | None = None,
    event: Delivery | None = None,
) -> Endpoint | None | object:
    """Read, decide, write under "unchanged since read"; again when another write came between.
    The decision's result (the endpoint written, or _REMOVE), or None: refused, no such
    merchant, or the audit entry or event existed already (a retried change): nothing written."""
    for _ in range(CONTENDED_ATTEMPTS):
        model = _read(merchant_id)
        if model is None:
            return None
        endpoints, from_map = endpoints_of(model)
        current = endpoints.get(endpoint_id)
        decision = decide(current, endpoints)
        if decision is None:
            return None
        actions, condition = _change(endpoint_id, endpoints, from_map, current, decision)
        tx = Transaction()
        tx.update(MERCHANT, MerchantModel(merchant_id), actions, MerchantModel.id.exists() & condition)
        deltas = Deltas()
        if audit_entry is not None:
            audit.include(tx, audit_entry, deltas)
        if event is not None:
            tx.save("event", row(DeliveryModel, event), DeliveryModel.id.does_not_exist())
            deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
        counters.add(tx, deltas)
        failed = tx.commit()
        if not failed:
            return decision
        if MERCHANT not in failed:
            return None  # the audit entry or the event was written before: this change was made
    raise Contended(f"endpoint {endpoint_id} of merchant {merchant_id} kept changing under this write")


def _change(
    endpoint_id: str,
    endpoints: dict[str, Endpoint],
    from_map: bool,
    current: Endpoint | None,
    decision: Endpoint | object,
) -> tuple[list[Action], Condition]:
    if not from_map:
        # The item's first change since endpoints exist: the whole map, and the legacy fields go.
        after = {key: value for key, value in endpoints.items() if key != endpoint_id}
        if isinstance(decision, Endpoint):
            after[endpoint_id] = decision
        whole = {"M": {key: serialized(value) for key, value in after.items()}}
        actions: list[Action] = [Path([MAP]).set(whole), *(Path([name]).remove() for name in LEGACY)]
        return actions, Path([MAP]).does_not_exist()
    entry = Path([MAP, endpoint_id])
    if current is None:
        # A new one: the map still holds exactly as many as were counted, so the limit holds.
        condition = entry.does_not_exist() & (size(Path([MAP])) == len(endpoints))
    else:
        condition = entry == serialized(current)
    action = entry.set(serialized(decision)) if isinstance(decision, Endpoint) else entry.remove()
    return [action], condition


def _done(result: Endpoint | None | object) -> bool:
    return result is not None


def add(merchant_id: str, endpoint: Endpoint, audit_entry: AuditEntry) -> bool:
    return _done(_write(merchant_id, endpoint.id, lambda _, every: changes.added(every, endpoint), audit_entry))


def update(
    merchant_id: str, endpoint_id: str, fields: Mapping[str, object], at: str, audit_entry: AuditEntry | None
) -> Endpoint | None:
    result = _write(merchant_id, endpoint_id, lambda current, _: changes.updated(current, fields, at), audit_entry)
    return result if isinstance(result, Endpoint) else None


def delete(merchant_id: str, endpoint_id: str, audit_entry: AuditEntry) -> bool:
    return _done(_write(merchant_id, endpoint_id, lambda current, _: _REMOVE if current else None, audit_entry))


def rotate_secret(merchant_id: str, endpoint_id: str, rotation: EndpointRotation, audit_entry: AuditEntry) -> bool:
    def decide(current: Endpoint | None, _: dict[str, Endpoint]) -> Endpoint | None:
        return changes.rotated(
            current, rotation.replaced_sealed, rotation.new_sealed, rotation.previous_expires_at, rotation.rotated_at
        )

    return _done(_write(merchant_id, endpoint_id, decide, audit_entry))


def promote_secret(merchant_id: str, endpoint_id: str, at: str, audit_entry: AuditEntry) -> bool:
    return _done(_write(merchant_id, endpoint_id, lambda current, _: changes.promoted(current, at), audit_entry))


def set_failing_since(merchant_id: str, endpoint_id: str, at: str) -> bool:
    return _done(_write(merchant_id, endpoint_id, lambda current, _: changes.failing_from(current, at)))


def clear_failing_since(merchant_id: str, endpoint_id: str) -> bool:
    return _done(_write(merchant_id, endpoint_id, lambda current, _: changes.recovered(current)))


def disable(merchant_id: str, endpoint_id: str, reason: str, at: str, event_record: Delivery | None) -> bool:
    return _done(
        _write(merchant_id, endpoint_id, lambda current, _: changes.disabled(current, reason, at), None, event_record)
    )


def set_default(
    merchant_id: str, url: str | None, events: tuple[str, ...] | None, at: str, audit_entry: AuditEntry
) -> bool:
    """PUT /merchant/webhook: the default endpoint's URL and filter; a merchant without one gets
    it (unsigned until a secret is rotated in: the seed's merchants always have one)."""
    default = default_endpoint_id(merchant_id)

    def decide(current: Endpoint | None, every: dict[str, Endpoint]) -> Endpoint | None:
        if current is None:
            return changes.added(every, Endpoint(default, url or "", "", at, events=events))
        return changes.updated(current, {"url": url or "", "events": events}, at)

    return _done(_write(merchant_id, default, decide, audit_entry))


def migrate(merchant_id: str) -> bool:
    """Move an item's legacy webhook fields into the map (infra/migrations/m0007). True when this
    call did; False when the item has the map already (migrated, or changed since) or is gone."""
    model = _read(merchant_id)
    if model is None:
        return False
    found, from_map = endpoints_of(model)
    if from_map:
        return False
    whole = {"M": {key: serialized(value) for key, value in found.items()}}
    actions: list[Action] = [Path([MAP]).set(whole), *(Path([name]).remove() for name in LEGACY)]
    return written(lambda: model.update(actions=actions, condition=Path([MAP]).does_not_exist()))


def listed(model: MerchantModel) -> tuple[Endpoint, ...]:
    """A merchant item's endpoints, oldest first (what every merchant read fills in)."""
    return ordered(endpoints_of(model)[0].values())
