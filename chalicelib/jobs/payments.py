"""The payment function: decides each pending payment's outcome."""

from __future__ import annotations

from .. import queues
from ..services import payments
from . import batch


def handle(event: dict, context) -> dict:
    return batch.run(event, context, queues.PAYMENT_JOBS, lambda job, age: payments.process(job["payment_id"], age))
