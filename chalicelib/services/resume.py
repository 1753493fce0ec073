"""Queue again the work storage says is waiting: every pending payment, refund and delivery.

The local runtime calls it at start (infra/local/resume.py): its SQS lives in the emulator's
memory, so a restart loses every queued job while DynamoDB keeps the records that need them.
Queueing a job twice is harmless: each function finds finished work finished, deliveries are
claimed under a condition, and a delivery whose next retry is still in the future waits for it
(webhook_delivery._why_not hides the message until then).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar

from .. import metrics
from ..store import store
from . import payments, refunds, webhook_events

T = TypeVar("T")
DISPATCH_CHUNK = 100  # deliveries queued per dispatch call (SQS batches of ten inside)


@dataclass(frozen=True)
class Resumed:
    payments: int
    refunds: int
    deliveries: int

    @property
    def total(self) -> int:
        return self.payments + self.refunds + self.deliveries


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def resume_pending() -> Resumed:
    backlog = store().backlog
    payment_count = refund_count = delivery_count = 0
    for payment in backlog.pending_payments():
        payments.enqueue_processing(payment)
        payment_count += 1
    for refund in backlog.pending_refunds():
        refunds.enqueue_processing(refund)
        refund_count += 1
    for chunk in _chunks(backlog.pending_deliveries(), DISPATCH_CHUNK):
        webhook_events.dispatch(chunk)
        delivery_count += len(chunk)
    resumed = Resumed(payment_count, refund_count, delivery_count)
    metrics.repairs(resumed.total)  # the Repairs alarm's figure (docs/operations.md)
    return resumed
