"""The payment function: decides each pending payment's outcome."""

from __future__ import annotations

from typing import Any

from .. import queues
from ..services import payments
from . import batch


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return batch.run(event, context, queues.PAYMENT_JOBS, payments.handle_job)
