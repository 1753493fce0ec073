"""The merchant's audit log: what the services call to record a change, and its list.

A change that has a transaction writes its entry inside it (build the entry with `entry` and hand
it to the store write: capture, refund, webhook settings do), so a crash can neither lose the
entry nor keep the change without it. `record` writes an entry alone, for a change that has no
transaction to join.
"""

from __future__ import annotations

from typing import Any

from ..domain import audit as rules
from ..domain import clock
from ..domain.ids import new_id
from ..store import store
from ..store.records import AuditEntry
from .listing import PER_MERCHANT, Listing, paging

Actor = rules.Actor


def entry(
    merchant_id: str,
    actor: Actor,
    action: str,
    entity_id: str,
    summary: str,
    *,
    occurrence: str | None = None,
    at: str | None = None,
) -> AuditEntry:
    """The entry of one change. `occurrence` names which change of `entity_id` this is: omit it
    for a change that happens once per entity (a capture, a refund's creation), so that a retry
    derives the same id and its conditional write finds the first one; for changes that repeat
    (webhook settings) a fresh one is drawn, and the transaction keeps entry and change together."""
    if action not in rules.ENTITY_TYPES:
        raise ValueError(f"unknown audit action {action!r}")
    once = occurrence if occurrence is not None else ("once" if action in _ONCE else new_id("chg"))
    return AuditEntry(
        id=rules.entry_id(merchant_id, action, entity_id, once),
        merchant_id=merchant_id,
        action=action,
        entity_type=rules.ENTITY_TYPES[action],
        entity_id=entity_id,
        summary=summary[: rules.MAX_SUMMARY],
        actor_type=actor.type,
        actor_id=actor.id,
        source_ip=actor.source_ip,
        created_at=at or clock.now_iso(),
    )


_ONCE = frozenset({rules.PAYMENT_CAPTURE, rules.REFUND_CREATE})


def record(merchant_id: str, actor: Actor, action: str, entity_id: str, summary: str) -> AuditEntry:
    """Write one entry on its own (a change with no transaction to join); returns it."""
    written = entry(merchant_id, actor, action, entity_id, summary)
    store().audit.add(written)
    return written


def render(model: AuditEntry) -> dict[str, Any]:
    return {
        "id": model.id,
        "entity": "audit_entry",
        "action": model.action,
        "entity_type": model.entity_type,
        "entity_id": model.entity_id,
        "summary": model.summary,
        "actor": {"type": model.actor_type, "id": model.actor_id},
        "source_ip": model.source_ip,
        "created_at": model.created_at,
    }


def list_entries(merchant_id: str, limit: int, offset: int, cursor: str | None) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "audit-log")
    return paged.listing(store().audit.list_for_merchant(merchant_id, paged.request()), render)
