"""Each SQS-triggered function's event source: its queue, batch size, batching window and
maximum concurrency. app.py declares the functions from this table; the local event-source
emulation and the deployment template both read them back from the Chalice app.

Each setting can be changed per stage through the environment, read once at import:

    SQS_PAYMENTS_BATCH_SIZE, SQS_PAYMENTS_BATCHING_WINDOW, SQS_PAYMENTS_MAX_CONCURRENCY
    SQS_REFUNDS_...,         SQS_WEBHOOKS_...

`.chalice/config.json` sets them in every stage's environment_variables: `chalice package` and
`chalice deploy` load the app with that environment, and `make run` applies the stage's
environment the way `chalice local` does. Unset (a Lambda runtime, a test stage), the defaults
below apply, so the app imports without `.chalice/`.
"""

from __future__ import annotations

import os

from ..queues import PAYMENT_JOBS, REFUND_JOBS, WEBHOOK_DELIVERIES, queue_name

# Lambda's limits for an SQS event source mapping on a standard queue.
MAX_BATCH_SIZE = 10_000
MAX_BATCH_SIZE_WITHOUT_WINDOW = 10
MAX_BATCHING_WINDOW_SECONDS = 300
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000

# The function app.py feeds from each queue: its metrics' dimension, its alarms, and the timeout
# its queue's visibility timeout follows (infra/queue_rules.py).
FUNCTIONS = {
    PAYMENT_JOBS: "process_payments",
    REFUND_JOBS: "process_refunds",
    WEBHOOK_DELIVERIES: "deliver_webhooks",
}

DEFAULTS = {
    "PAYMENTS": (PAYMENT_JOBS, 10, 0, 4),
    "REFUNDS": (REFUND_JOBS, 10, 0, 2),
    "WEBHOOKS": (WEBHOOK_DELIVERIES, 10, 0, 4),
}


def _setting(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, not {value}")
    return value


def event_source(key: str) -> dict:
    """The keyword arguments of `@app.on_sqs_message` for one function, from SQS_<key>_*."""
    logical, batch_size, window, concurrency = DEFAULTS[key]
    prefix = f"SQS_{key}_"
    window = _setting(prefix + "BATCHING_WINDOW", window, 0, MAX_BATCHING_WINDOW_SECONDS)
    batch_limit = MAX_BATCH_SIZE if window > 0 else MAX_BATCH_SIZE_WITHOUT_WINDOW
    return {
        "queue": queue_name(logical),
        "batch_size": _setting(prefix + "BATCH_SIZE", batch_size, 1, batch_limit),
        "maximum_batching_window_in_seconds": window,
        "maximum_concurrency": _setting(prefix + "MAX_CONCURRENCY", concurrency, MIN_CONCURRENCY, MAX_CONCURRENCY),
    }


PAYMENTS = event_source("PAYMENTS")
REFUNDS = event_source("REFUNDS")
WEBHOOKS = event_source("WEBHOOKS")
