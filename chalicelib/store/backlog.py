"""Work waiting in storage: every pending payment, refund and delivery, by a Scan.

Only the local runtime asks (infra/local/resume.py, at start): its SQS lives in memory, so after a
restart the jobs are queued again from what DynamoDB holds. A Scan reads the whole table, which is
fine for a local state folder; it does not use the by-merchant indexes, whose keys change as the
lists are sharded.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..domain import deliveries as delivery_rules
from ..domain import payments as payment_rules
from ..domain import refunds as refund_rules
from .models import DeliveryModel, PaymentModel, RefundModel
from .records import Delivery, Payment, Refund
from .rows import record


def pending_payments() -> Iterator[Payment]:
    for item in PaymentModel.scan(PaymentModel.status == payment_rules.PENDING):
        yield record(Payment, item)


def pending_refunds() -> Iterator[Refund]:
    for item in RefundModel.scan(RefundModel.status == refund_rules.PENDING):
        yield record(Refund, item)


def pending_deliveries() -> Iterator[Delivery]:
    for item in DeliveryModel.scan(DeliveryModel.status == delivery_rules.PENDING):
        yield record(Delivery, item)
