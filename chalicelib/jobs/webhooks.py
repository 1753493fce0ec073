"""The webhook delivery function: one attempt per record, retries scheduled by visibility."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .. import queues
from ..services import webhooks
from . import batch


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    jobs: list[Any] = []
    for record in event.get("Records", []):
        # The batch runner reports a record it cannot parse as failed; here it is only left out.
        with contextlib.suppress(ValueError, KeyError, TypeError):
            jobs.append(json.loads(record["body"]))
    merchants = webhooks.read_merchants([job for job in jobs if isinstance(job, dict) and "merchant_id" in job])
    return batch.run(event, context, queues.WEBHOOK_DELIVERIES, lambda job, age: webhooks.deliver(job, age, merchants))
