"""The Store on DynamoDB: each repository is one module of this package (PynamoDB inside)."""

from __future__ import annotations

from dataclasses import dataclass

from . import (
    audit,
    awaiting,
    deliveries,
    endpoints,
    job_stats,
    merchants,
    orders,
    payments,
    refunds,
    sessions,
    stage_keys,
    throttle,
)
from .interface import (
    AuditRepository,
    AwaitingRepository,
    DeliveryRepository,
    EndpointRepository,
    JobStatsRepository,
    MerchantRepository,
    OrderRepository,
    PaymentRepository,
    RefundRepository,
    SessionRepository,
    StageKeyRepository,
    ThrottleRepository,
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
    throttle: ThrottleRepository = throttle
    audit: AuditRepository = audit
    awaiting: AwaitingRepository = awaiting
    stage_keys: StageKeyRepository = stage_keys
    endpoints: EndpointRepository = endpoints


DYNAMO = DynamoStore()
