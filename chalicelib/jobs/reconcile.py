"""The reconciler function, run on a schedule (app.py; an EventBridge rule on AWS, the local
runtime's scheduler in infra/local/schedules.py)."""

from __future__ import annotations

from typing import Any

from ..logs import logger
from ..services import reconcile


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    remaining = context.get_remaining_time_in_millis() if context is not None else None
    result = reconcile.run_scheduled(remaining)
    summary = {
        "payments": result.payments,
        "refunds": result.refunds,
        "deliveries": result.deliveries,
        "unqueued": result.unqueued,
        "pages": result.pages,
        "complete": result.complete,
    }
    logger.info("reconciled", extra=summary)
    return summary
