"""The records services read and write: plain frozen values, with no storage library behind them.

Only chalicelib/store turns them into rows (PynamoDB models) and back; tests/fakes keeps them in
memory. Amounts and counters are ints; times are the gateway's ISO text (domain.clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

from ..domain.cursors import Positions
from ..domain.endpoints import Endpoint

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    """Which page of a newest-first list: `limit` items, after `skip` items (bounded, for the
    offset clients) or from a cursor's positions (`after`), never both."""

    limit: int
    skip: int = 0
    after: Positions | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One newest-first page of a list; `total` counts the whole list (None where no exact
    counter can exist, a time range); `next` is where the following page starts (None: last)."""

    items: list[T]
    total: int | None
    next: Positions | None = None


@dataclass(frozen=True)
class Merchant:
    id: str
    name: str
    email: str
    api_key: str
    api_secret_digest: str
    api_secret_sealed: str
    created_at: str
    password_hash: str | None = None
    webhook_url: str | None = None
    webhook_events: tuple[str, ...] | None = None
    webhook_secret_sealed: str | None = None
    # After a rotation the replaced secret keeps working until this time (digest only: it is
    # never revealed again); services/merchants.py enforces the expiry at authentication.
    previous_api_secret_digest: str | None = None
    previous_api_secret_expires_at: str | None = None
    api_secret_rotated_at: str | None = None
    # Sessions carry the generation they were created in; logging out everywhere bumps it.
    session_generation: int = 0
    # Its webhook endpoints, oldest first. The default endpoint (domain/endpoints.py) is one of
    # them; webhook_url, webhook_events and webhook_secret_sealed above are read-only views of
    # it, kept for the merchant API and today's delivery code (store/merchant_endpoints.py).
    webhook_endpoints: tuple[Endpoint, ...] = ()


@dataclass(frozen=True)
class SecretRotation:
    """One API-secret rotation, as the store writes it."""

    replaced_digest: str
    new_digest: str
    new_sealed: str
    previous_expires_at: str
    rotated_at: str


@dataclass(frozen=True)
class EndpointRotation:
    """One webhook endpoint's secret rotation, as the store writes it: it holds only while the
    endpoint's secret is still `replaced_sealed` (the one the caller read)."""

    replaced_sealed: str
    new_sealed: str
    previous_expires_at: str
    rotated_at: str


@dataclass(frozen=True)
class Order:
    id: str
    merchant_id: str
    amount: int
    currency: str
    status: str
    created_at: str
    receipt: str | None = None
    notes: dict[str, str] = field(default_factory=dict)
    paid_at: str | None = None
    payment_capture: bool = False  # Razorpay's auto-capture: its successful payment is captured at once


@dataclass(frozen=True)
class Payment:
    id: str
    merchant_id: str
    order_id: str
    amount: int
    currency: str
    method: str
    status: str
    created_at: str
    updated_at: str
    vpa: str | None = None
    card_network: str | None = None
    card_last4: str | None = None
    card_holder_name: str | None = None
    instrument: str | None = None  # a test instrument's fingerprint, never a card number
    card_mac: str | None = None  # keyed HMAC-SHA256 of the card (services/card_macs.py)
    captured: bool = False
    captured_at: str | None = None
    amount_captured: int = 0
    amount_refunded: int = 0
    error_code: str | None = None
    error_description: str | None = None
    process_after_ms: int = 0
    auto_capture: bool = False  # its order's payment_capture, copied at creation
    notes: dict[str, str] = field(default_factory=dict)  # Razorpay's payment notes (set through /v1)


@dataclass(frozen=True)
class Refund:
    id: str
    merchant_id: str
    payment_id: str
    amount: int
    currency: str
    status: str
    created_at: str
    reason: str | None = None
    process_after_ms: int = 0
    processed_at: str | None = None
    notes: dict[str, str] = field(default_factory=dict)
    speed_requested: str | None = None  # Razorpay's `speed` as asked (None: normal); every refund runs the same


@dataclass(frozen=True)
class Delivery:
    """One webhook event and its delivery: the id is the event's stable id."""

    id: str
    merchant_id: str
    event: str
    entity_id: str
    timestamp: int
    payload: str
    status: str
    created_at: str
    skip_reason: str | None = None
    attempts: int = 0
    generation: int = 0
    # `attempts` when the current generation began: a manual retry or replay starts the retry
    # schedule again without renumbering (attempt numbers keep growing, so slots never collide).
    round_start: int = 0
    # The latest attempts (at most deliveries.KEPT_ATTEMPTS), oldest first; `attempts` counts all.
    attempt_log: tuple[dict[str, Any], ...] = ()
    last_attempt_at: str | None = None
    next_retry_at: str | None = None
    response_code: int | None = None
    # Absent on deliveries recorded before several endpoints: the default endpoint, the id itself.
    endpoint_id: str | None = None
    event_id: str | None = None
    expires_at: datetime | None = None  # the retention's end (DynamoDB TTL, enforced in reads)


@dataclass(frozen=True)
class AuditEntry:
    """One change a merchant's audit log shows: who (actor), what (action on an entity, with a
    summary that holds no secret), when, and from where (the request's source IP)."""

    id: str
    merchant_id: str
    action: str
    entity_type: str
    entity_id: str
    summary: str
    actor_type: str
    actor_id: str
    created_at: str
    source_ip: str | None = None


@dataclass(frozen=True)
class Session:
    id: str
    merchant_id: str
    expires_at: datetime
    generation: int = 0  # the merchant's session_generation at login


@dataclass(frozen=True)
class JobStats:
    completed: int = 0
    failed: int = 0
    heartbeat_at: int | None = None


@dataclass(frozen=True)
class JobStatsWrite:
    """Counts to add and a heartbeat, under an id: the same write sent again adds nothing."""

    write_id: str
    completed: int
    failed: int
    at_ms: int


class Finalized(Enum):
    """What finalizing a pending payment did."""

    DONE = "done"  # this call made the transition, with its event (and the paid order)
    ALREADY_FINAL = "already_final"  # the payment was final already
    ORDER_TAKEN = "order_taken"  # another payment of the same order succeeded first


class Reservation(Enum):
    """What reserving a refund against its payment did."""

    RESERVED = "reserved"  # written: the refund, its event and the payment's amount_refunded
    EXISTS = "exists"  # a refund with this id exists already: nothing written
    REFUSED = "refused"  # the payment is not refundable, or the amount no longer fits


WorkKind = Literal["payment", "refund", "delivery"]
WORK_KINDS: tuple[WorkKind, ...] = ("payment", "refund", "delivery")


@dataclass(frozen=True)
class Awaited:
    """An entry of the awaiting index: a pending item of `kind` whose work is due at `due_ms`."""

    kind: WorkKind
    id: str
    due_ms: int


@dataclass(frozen=True)
class AwaitedPage:
    """Overdue entries of one awaiting shard, earliest due first; `next` is where the following
    page starts (None: the shard has no more)."""

    items: list[Awaited]
    next: Awaited | None = None
