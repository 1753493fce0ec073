"""The webhook delivery function: one attempt per record, retries scheduled by visibility."""
from __future__ import annotations

from .. import queues
from ..services import webhooks
from . import batch


def handle(event: dict, context) -> dict:
    return batch.run(event, context, queues.WEBHOOK_DELIVERIES, webhooks.deliver)
