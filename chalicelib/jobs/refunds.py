"""The refund function: processes each pending refund."""

from __future__ import annotations

from typing import Any

from .. import queues
from ..services import refunds
from . import batch


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return batch.run(event, context, queues.REFUND_JOBS, lambda job, age: refunds.process(job["refund_id"], age))
