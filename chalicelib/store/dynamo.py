"""The Store on DynamoDB: each repository is one module of this package (PynamoDB inside)."""

from __future__ import annotations

from dataclasses import dataclass

from . import backlog, deliveries, job_stats, merchants, orders, payments, refunds, sessions, stage_keys
from .interface import (
    BacklogRepository,
    DeliveryRepository,
    JobStatsRepository,
    MerchantRepository,
    OrderRepository,
    PaymentRepository,
    RefundRepository,
    SessionRepository,
    StageKeyRepository,
)


@dataclass(frozen=True)
class DynamoStore:
    merchants: MerchantRepository = merchants
    orders: OrderRepository = orders
    payments: PaymentRepository = payments
    refunds: RefundRepository = refunds
    deliveries: DeliveryRepository = deliveries
    sessions: SessionRepository = sessions
    job_stats: JobStatsRepository = job_stats
    backlog: BacklogRepository = backlog
    stage_keys: StageKeyRepository = stage_keys


DYNAMO = DynamoStore()
