"""The reconciler: queues again the work that waited past its due time, plus a grace, without
progress (docs/decisions.md, "No stranded work").

What waits is in the awaiting index (store/awaiting.py): a payment or refund until it is final,
a delivery until its last attempt, each with the time its work is due. An entry overdue by more
than the grace has no live job (a send failed after a commit, a message went to the dead-letter
queue, a local restart lost the queues). Each one is claimed with a conditional write that makes
it due again from now, then queued again:
- the claim is what makes a run safe to overlap with another (EventBridge may invoke twice) and
  with the work finishing meanwhile: only one claim of an entry wins, and none of a finished one;
- a claimed entry leaves the overdue range, so the next run starts where this one stopped, and
  if its queueing failed it is overdue again after one more grace;
- queueing twice is harmless: each function finds finished work finished, transitions are
  conditional, and delivery attempts are claimed under a lease.
A run reads one page per (kind, shard) in turn, from a random first lane, until every lane is
read or its budget (pages, time) is spent: a backlog larger than one run is shared fairly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from .. import metrics
from ..config import settings
from ..domain.shards import AWAITING_SHARDS
from ..logs import logger
from ..store import store
from ..store.records import WORK_KINDS, Awaited, Delivery, Payment, Refund, WorkKind
from . import payments, refunds, webhook_events

FOREVER_MS = 253402300799000  # 9999-12-31: "whatever is due", for the start-time resume
DEADLINE_MARGIN_SECONDS = 5  # stop this long before the function's own timeout

Lane = tuple[WorkKind, int]


@dataclass(frozen=True)
class Budget:
    page_size: int
    max_pages: int | None = None  # None: no bound (the start-time resume)
    deadline: float | None = None  # a time.monotonic() value; None: no bound

    def spent(self, pages: int) -> bool:
        if self.max_pages is not None and pages >= self.max_pages:
            return True
        return self.deadline is not None and time.monotonic() >= self.deadline


@dataclass
class Reconciled:
    payments: int = 0
    refunds: int = 0
    deliveries: int = 0
    unqueued: int = 0  # claimed, but the send failed: overdue again after the grace
    pages: int = 0
    complete: bool = True  # False: the budget ended the run before every lane was read

    @property
    def total(self) -> int:
        return self.payments + self.refunds + self.deliveries


def lanes(first: int = 0) -> list[Lane]:
    every = [(kind, shard) for kind in WORK_KINDS for shard in range(AWAITING_SHARDS)]
    first %= len(every)
    return every[first:] + every[:first]


def reconcile(due_by_ms: int, now_ms: int, budget: Budget, first_lane: int = 0) -> Reconciled:
    """Queue again every entry due by `due_by_ms`, within `budget`."""
    result = Reconciled()
    cursors: dict[Lane, Awaited | None] = dict.fromkeys(lanes(first_lane))
    while cursors:
        for lane in list(cursors):
            if budget.spent(result.pages):
                result.complete = False
                return result
            page = store().awaiting.due(lane[0], lane[1], due_by_ms, budget.page_size, cursors[lane])
            result.pages += 1
            _requeue(page.items, now_ms, result)
            if page.next is None:
                del cursors[lane]
            else:
                cursors[lane] = page.next
    return result


def _requeue(items: list[Awaited], now_ms: int, result: Reconciled) -> None:
    waiting: list[Delivery] = []
    for item in items:
        claimed = store().awaiting.claim(item, max(now_ms, item.due_ms) + _in_flight_ms(item.kind))
        if claimed is None:
            continue  # finished since the index was read, or another run has it
        logger.info("re-queueing stranded work", extra={"kind": item.kind, "id": item.id, "due_ms": item.due_ms})
        if isinstance(claimed, Payment):
            _send(result, 1, partial(payments.enqueue_processing, claimed))
            result.payments += 1
        elif isinstance(claimed, Refund):
            _send(result, 1, partial(refunds.enqueue_processing, claimed))
            result.refunds += 1
        else:
            waiting.append(claimed)
    if waiting:
        _send(result, len(waiting), lambda: webhook_events.dispatch(waiting))
        result.deliveries += len(waiting)


IN_FLIGHT_MARGIN_SECONDS = 5


def _in_flight_ms(kind: WorkKind) -> int:
    """How much later than a payment's or refund's a re-sent delivery is due again: an attempt
    is not claimed before its POST (services/webhook_delivery.py), so a delivery sent again while
    its message is still being delivered would be POSTed twice. Waiting one attempt's deadline
    plus a margin keeps the reconciler from re-sending faster than an attempt can finish."""
    if kind != "delivery":
        return 0
    return int((settings().webhook_timeout_seconds + IN_FLIGHT_MARGIN_SECONDS) * 1000)


def _send(result: Reconciled, count: int, send: Callable[[], None]) -> None:
    try:
        send()
    except Exception:  # noqa: BLE001 - claimed: overdue again after the grace, when a later run retries
        logger.warning("could not re-queue stranded work; a later run will", exc_info=True)
        result.unqueued += count


def run_scheduled(remaining_ms: int | None = None) -> Reconciled:
    """One scheduled run: what is overdue by more than the grace, within the configured pages and
    time (never past the invocation's own remaining time)."""
    config = settings()
    seconds = float(config.reconcile_time_budget_seconds)
    if remaining_ms is not None:
        seconds = min(seconds, remaining_ms / 1000 - DEADLINE_MARGIN_SECONDS)
    # Never fewer pages than lanes: every run reads the first page of every lane, so no lane
    # waits behind the others' backlog (the random first lane shares a run cut short by time).
    pages = max(config.reconcile_max_pages, len(lanes()))
    budget = Budget(config.reconcile_page_size, pages, time.monotonic() + max(seconds, 0))
    now_ms = int(time.time() * 1000)
    result = reconcile(now_ms - config.reconcile_grace_seconds * 1000, now_ms, budget, random.randrange(1 << 16))
    metrics.repairs(result.total)  # the Repairs alarm's figure (docs/operations.md)
    return result


def requeue_everything() -> Reconciled:
    """Every entry, due or not, without a budget: the local runtime's start, after a restart lost
    its queues (services/resume.py)."""
    result = reconcile(FOREVER_MS, int(time.time() * 1000), Budget(settings().reconcile_page_size))
    metrics.repairs(result.total)
    return result
