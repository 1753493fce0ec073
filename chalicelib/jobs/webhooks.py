"""The webhook delivery function: one attempt per record, retries scheduled by visibility."""

from __future__ import annotations

import json

from .. import queues
from ..services import webhooks
from . import batch


def handle(event: dict, context) -> dict:
    jobs = []
    for record in event.get("Records", []):
        try:
            jobs.append(json.loads(record["body"]))
        except (ValueError, KeyError, TypeError):
            pass  # the batch runner reports the record as failed when it cannot parse it either
    merchants = webhooks.read_merchants([job for job in jobs if isinstance(job, dict) and "merchant_id" in job])
    return batch.run(event, context, queues.WEBHOOK_DELIVERIES, lambda job, age: webhooks.deliver(job, age, merchants))
