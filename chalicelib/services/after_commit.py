"""Queueing the work of what the API has just committed, without ever failing the request.

Once a transaction has committed, the request has happened: answering 5xx would tell the client
to retry something that exists (a retry without a key creates a second refund). So a failed
send is logged and counted, and the request answers its success status; the item waits in the
awaiting index (store/awaiting.py), where the reconciler (services/reconcile.py) finds it once
its grace has passed and queues it again.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import metrics
from ..faults import fault_failure
from ..logs import logger

FAULT = "api.enqueue"
"""FAULT_INJECT name: the send after the commit fails, once per (what, id)."""


def enqueue_after_commit(what: str, item_id: str, enqueue: Callable[[], None]) -> bool:
    """Run `enqueue` for the committed `item_id`: True when it was queued, False when it failed
    and was left to the reconciler. Never raises an Exception."""
    try:
        fault_failure(FAULT, f"{what}:{item_id}")
        enqueue()
    except Exception:  # noqa: BLE001 - committed already: the reconciler repairs, the client must not retry
        logger.warning(
            "could not queue after commit; the reconciler will", extra={"what": what, "id": item_id}, exc_info=True
        )
        metrics.enqueue_deferred()
        return False
    return True
