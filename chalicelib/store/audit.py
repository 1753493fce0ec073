"""The audit log: entries written inside the transaction of the change they record, and read
newest first per merchant over the sharded listing index."""

from __future__ import annotations

from ..domain.counts import AUDIT, TOTAL, Deltas
from . import counters
from .keys import merchant_keys
from .models import AuditModel
from .paging import newest_first
from .records import AuditEntry, Page, PageRequest
from .rows import row
from .transactions import Transaction

LABEL = "audit"


def include(tx: Transaction, entry: AuditEntry, deltas: Deltas) -> None:
    """Add `entry` to the transaction of its change (with its count in `deltas`, which the caller
    adds once): both are written or neither. Its id is deterministic, so a change retried after an
    unknown outcome fails this condition instead of logging twice."""
    tx.save(LABEL, row(AuditModel, entry), AuditModel.id.does_not_exist())
    deltas.audit_recorded(entry.merchant_id, entry.id)


def add(entry: AuditEntry) -> bool:
    """An entry for a change that has no transaction of its own; False: it was written before."""
    tx = Transaction()
    deltas = Deltas()
    include(tx, entry, deltas)
    counters.add(tx, deltas)
    return not tx.commit()


def list_for_merchant(merchant_id: str, page: PageRequest) -> Page[AuditEntry]:
    total = counters.total(merchant_id, AUDIT, TOTAL)
    return newest_first(AuditEntry, AuditModel.by_merchant, merchant_keys(merchant_id), page, total)
