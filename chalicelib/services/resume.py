"""Queue again the work storage says is waiting: every pending payment, refund and delivery.

The local runtime calls it at start (infra/local/resume.py): its SQS lives in the emulator's
memory, so a restart loses every queued job while DynamoDB keeps the records that need them.
It is the reconciler's pass (services/reconcile.py) with no grace and no budget: the same
awaiting index, read by Query, never a table Scan. Queueing a job twice is harmless: each
function finds finished work finished, deliveries are claimed under a condition, and a delivery
whose next retry is still in the future waits for it (webhook_delivery._why_not hides the
message until then).
"""

from __future__ import annotations

from dataclasses import dataclass

from .reconcile import requeue_everything


@dataclass(frozen=True)
class Resumed:
    payments: int
    refunds: int
    deliveries: int

    @property
    def total(self) -> int:
        return self.payments + self.refunds + self.deliveries


def resume_pending() -> Resumed:
    result = requeue_everything()
    return Resumed(result.payments, result.refunds, result.deliveries)
