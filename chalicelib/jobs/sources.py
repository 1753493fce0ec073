"""Each SQS-triggered function's event source: its queue, batch size, batching window and
maximum concurrency. app.py declares the functions from this table; the local event-source
emulation and the deployment template both read them back from the Chalice app."""
from __future__ import annotations

from ..queues import PAYMENT_JOBS, REFUND_JOBS, WEBHOOK_DELIVERIES, queue_name

PAYMENTS = {"queue": queue_name(PAYMENT_JOBS), "batch_size": 10,
            "maximum_batching_window_in_seconds": 0, "maximum_concurrency": 4}
REFUNDS = {"queue": queue_name(REFUND_JOBS), "batch_size": 10,
           "maximum_batching_window_in_seconds": 0, "maximum_concurrency": 2}
WEBHOOKS = {"queue": queue_name(WEBHOOK_DELIVERIES), "batch_size": 10,
            "maximum_batching_window_in_seconds": 0, "maximum_concurrency": 4}
