"""The DynamoDB tables, as PynamoDB models.

These classes are the one description of every table's keys, indexes and TTL: the local
provisioner and the CloudFormation template (infra/) are both derived from them. Names carry
the stage prefix. The endpoint comes from AWS_ENDPOINT_URL, which PynamoDB honours.
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, Projection
from pynamodb.models import MetaProtocol, Model

from ..config import resource_name, settings
from .shared_client import SharedClientModel


def _meta(logical: str) -> MetaProtocol:
    return cast(
        MetaProtocol,
        type(
            "Meta",
            (),
            {
                "table_name": resource_name(logical),
                "region": settings().region,
                "max_pool_connections": 64,
                "connect_timeout_seconds": 2,
                "read_timeout_seconds": 10,
                "billing_mode": "PAY_PER_REQUEST",
            },
        ),
    )


def _index_meta(name: str, projection: Projection | None = None) -> type:
    return type("Meta", (), {"index_name": name, "projection": projection or AllProjection()})


class ByMerchant(GlobalSecondaryIndex):
    """Newest-first listing of one merchant's records, write-sharded: the hash key is
    `<merchant_id>#NN`, NN the shard of the item's id (store/keys.py); readers fan out and merge."""

    Meta = _index_meta("by-merchant-shard")
    merchant_shard = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByMerchantStatus(GlobalSecondaryIndex):
    """The same, by status: `<merchant_id>#<status>#NN`, rewritten with every status change, so
    that a status filter is a key condition, not a filter over the merchant's whole list."""

    Meta = _index_meta("by-merchant-status-shard")
    merchant_status_shard = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class Awaiting(GlobalSecondaryIndex):
    """Sparse: only items waiting for work have its keys (`awaiting#NN`, NN the shard of the id;
    the epoch ms the work is due), set when a pending item is written and removed by the write
    that finishes it. The reconciler queries each shard for what is overdue; keys only, as it
    claims each item with a conditional write that returns the item (store/awaiting.py)."""

    Meta = _index_meta("awaiting", KeysOnlyProjection())
    awaiting_shard = UnicodeAttribute(hash_key=True)
    awaiting_due = NumberAttribute(range_key=True)


class MerchantByApiKey(GlobalSecondaryIndex):
    Meta = _index_meta("by-api-key")
    api_key = UnicodeAttribute(hash_key=True)


class MerchantByEmail(GlobalSecondaryIndex):
    Meta = _index_meta("by-email", KeysOnlyProjection())
    email = UnicodeAttribute(hash_key=True)


class MerchantModel(SharedClientModel):
    Meta = _meta("merchants")
    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    api_key = UnicodeAttribute()
    # Secrets are never stored in clear (chalicelib/vault.py): a digest to check, a sealed copy to reveal.
    api_secret_digest = UnicodeAttribute()
    api_secret_sealed = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    webhook_url = UnicodeAttribute(null=True)
    webhook_events = ListAttribute(of=UnicodeAttribute, null=True)
    webhook_secret_sealed = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    # A rotated-out secret: its digest and when it stops working (checked in code, not by TTL).
    previous_api_secret_digest = UnicodeAttribute(null=True)
    previous_api_secret_expires_at = UnicodeAttribute(null=True)
    api_secret_rotated_at = UnicodeAttribute(null=True)
    session_generation = NumberAttribute(null=True)  # absent on older items: generation 0
    # Its webhook endpoints: endpoint id -> its fields (store/endpoints.py); absent on items from
    # before migration 7, whose legacy webhook_* fields describe the default endpoint.
    webhook_endpoints: MapAttribute[str, Any] = MapAttribute(null=True)
    by_api_key = MerchantByApiKey()
    by_email = MerchantByEmail()


class OrderModel(SharedClientModel):
    Meta = _meta("orders")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    receipt = UnicodeAttribute(null=True)
    notes: MapAttribute[str, Any] = MapAttribute(null=True)
    status = UnicodeAttribute()
    paid_at = UnicodeAttribute(null=True)
    payment_capture = BooleanAttribute(null=True)  # absent: False (orders from before issue 17)
    created_at = UnicodeAttribute()
    merchant_shard = UnicodeAttribute(null=True)  # null only on items older than migration 2
    by_merchant = ByMerchant()


class PaymentsByOrder(GlobalSecondaryIndex):
    Meta = _index_meta("by-order")
    order_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class PaymentModel(SharedClientModel):
    Meta = _meta("payments")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    method = UnicodeAttribute()
    vpa = UnicodeAttribute(null=True)
    card_network = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    card_holder_name = UnicodeAttribute(null=True)
    # HMAC-SHA256 of the card under the stage's sealed key (services/card_macs.py): what a retry
    # under the payment's idempotency key is compared with. Never the number itself.
    card_mac = UnicodeAttribute(null=True)
    # Which test instrument was used ("succeed", "fail", "decline"): never the card number.
    instrument = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    captured = BooleanAttribute(default=False)
    captured_at = UnicodeAttribute(null=True)
    amount_captured = NumberAttribute(default=0)
    amount_refunded = NumberAttribute(default=0)
    error_code = UnicodeAttribute(null=True)
    error_description = UnicodeAttribute(null=True)
    process_after_ms = NumberAttribute(default=0)
    auto_capture = BooleanAttribute(null=True)  # absent: False (payments from before issue 17)
    notes: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    merchant_shard = UnicodeAttribute(null=True)
    merchant_status_shard = UnicodeAttribute(null=True)
    by_merchant = ByMerchant()
    by_merchant_status = ByMerchantStatus()
    by_order = PaymentsByOrder()
    awaiting_shard = UnicodeAttribute(null=True)  # only while pending: the awaiting index's keys
    awaiting_due = NumberAttribute(null=True)
    awaiting = Awaiting()


class RefundsByPayment(GlobalSecondaryIndex):
    Meta = _index_meta("by-payment")
    payment_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RefundModel(SharedClientModel):
    Meta = _meta("refunds")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    notes: MapAttribute[str, Any] = MapAttribute(null=True)
    status = UnicodeAttribute()
    process_after_ms = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    processed_at = UnicodeAttribute(null=True)
    speed_requested = UnicodeAttribute(null=True)
    merchant_shard = UnicodeAttribute(null=True)
    by_merchant = ByMerchant()
    by_payment = RefundsByPayment()
    awaiting_shard = UnicodeAttribute(null=True)  # only while pending: the awaiting index's keys
    awaiting_due = NumberAttribute(null=True)
    awaiting = Awaiting()


class DeliveryModel(SharedClientModel):
    """One webhook event and its delivery to the merchant: the id is the event's stable id."""

    Meta = _meta("webhook-deliveries")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    event = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    timestamp = NumberAttribute()
    payload = UnicodeAttribute()
    status = UnicodeAttribute()
    skip_reason = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    # Bumped by a manual retry: messages of an older generation retire themselves.
    generation = NumberAttribute(default=0)
    round_start = NumberAttribute(null=True)  # attempts when this generation began (absent: 0)
    # Deliveries recorded before attempt slots: their attempts, oldest first (read, never written).
    attempt_log = ListAttribute(of=MapAttribute, default=list)
    # The latest ten attempts, attempt n in slot n % 10: one SET records an attempt without
    # reading, and the item's size stays bounded however many attempts a delivery makes.
    attempt_0 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_1 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_2 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_3 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_4 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_5 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_6 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_7 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_8 = MapAttribute(null=True)  # type: ignore[var-annotated]
    attempt_9 = MapAttribute(null=True)  # type: ignore[var-annotated]
    endpoint_id = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    last_attempt_at = UnicodeAttribute(null=True)
    next_retry_at = UnicodeAttribute(null=True)
    response_code = NumberAttribute(null=True)
    # Absent on deliveries recorded before endpoints: the default endpoint's, whose id is the event's.
    endpoint_id = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    merchant_shard = UnicodeAttribute(null=True)
    merchant_status_shard = UnicodeAttribute(null=True)
    by_merchant = ByMerchant()
    by_merchant_status = ByMerchantStatus()
    awaiting_shard = UnicodeAttribute(null=True)  # only while pending: the awaiting index's keys
    awaiting_due = NumberAttribute(null=True)
    awaiting = Awaiting()


class AuditModel(SharedClientModel):
    """The merchant's audit log: captures, refunds, credential and webhook-setting changes, each
    written in the transaction of its change. Kept, never expired: no TTL."""

    Meta = _meta("audit-log")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    action = UnicodeAttribute()
    entity_type = UnicodeAttribute()
    entity_id = UnicodeAttribute()
    summary = UnicodeAttribute()
    actor_type = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    source_ip = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    merchant_shard = UnicodeAttribute()
    by_merchant = ByMerchant()


class SessionModel(SharedClientModel):
    """A dashboard login; logging out deletes it, and TTL clears it after it expires."""

    Meta = _meta("sessions")
    id = UnicodeAttribute(hash_key=True)
    merchant_id = UnicodeAttribute()
    expires_at = TTLAttribute()
    generation = NumberAttribute(null=True)  # absent on older items: generation 0


class JobStatsModel(SharedClientModel):
    """Counters the functions keep, and their heartbeat."""

    Meta = _meta("job-stats")
    id = UnicodeAttribute(hash_key=True)
    completed = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    heartbeat_at = NumberAttribute(null=True)


class CounterModel(SharedClientModel):
    """A merchant's counters and per-day payment statistics, write-sharded (domain/counts.py).

    `key` is `<merchant_id>#<family>#NN`; `day` is "-" for a counter row, or the UTC date of a
    statistics row. The counts are attributes named by domain/counts.py (`n`, `s:success`,
    `count:INR`...), added to in the transaction of each create and status change; they are
    read with the low-level client, as the set of names is open."""

    Meta = _meta("counters")
    key = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)


class ThrottleModel(SharedClientModel):
    """One throttling counter: the attempts of one subject in one window (domain/throttle.py).
    The window's start is part of `key`, so a counter TTL has not deleted yet is never read for a
    later window."""

    Meta = _meta("throttle")
    key = UnicodeAttribute(hash_key=True)
    attempts = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class IdempotencyModel(SharedClientModel):
    """Schema of the table aws-lambda-powertools' idempotency utility writes (it uses boto3)."""

    Meta = _meta("idempotency")
    id = UnicodeAttribute(hash_key=True)
    expiration = TTLAttribute()


class SchemaVersionModel(SharedClientModel):
    """The schema version the stage's data is at: one row, advanced by infra/migrations after
    each step it applies (docs/decisions.md, "Migrations")."""

    Meta = _meta("schema")
    id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    description = UnicodeAttribute(null=True)
    applied_at = UnicodeAttribute(null=True)


class StageKeyModel(SharedClientModel):
    """The stage's own secrets, sealed with its KMS key (chalicelib/vault.py): one row each, written
    once under a condition, never changed (services/card_macs.py)."""

    Meta = _meta("keys")
    id = UnicodeAttribute(hash_key=True)
    sealed = UnicodeAttribute()
    created_at = UnicodeAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    MerchantModel,
    OrderModel,
    PaymentModel,
    RefundModel,
    DeliveryModel,
    SessionModel,
    JobStatsModel,
    IdempotencyModel,
    CounterModel,
    SchemaVersionModel,
    ThrottleModel,
    AuditModel,
    StageKeyModel,
)
