"""Webhooks, one import for the API and the functions: the work is split by responsibility.

- webhook_events: recording events with their change, and queueing their delivery
- webhook_delivery: the delivery engine (claim an attempt, POST it, record it)
- webhook_log: the delivery log merchants read, and manual retries
"""

from __future__ import annotations

from .webhook_delivery import deliver, read_merchants
from .webhook_events import dispatch, dispatch_if_unattempted, event_record, send_test
from .webhook_log import get, list_deliveries, replay, retry_now

__all__ = [
    "deliver",
    "dispatch",
    "dispatch_if_unattempted",
    "event_record",
    "get",
    "list_deliveries",
    "read_merchants",
    "replay",
    "retry_now",
    "send_test",
]
