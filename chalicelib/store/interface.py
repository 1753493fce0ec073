"""What the services may ask of storage: one protocol per repository, and the Store holding them.

Every method takes and returns plain records (chalicelib/store/records.py). A write guarded by a
condition reports a lost condition as its result (False, None or an enum), never as an exception:
other failures raise. Two implementations keep the same semantics: the DynamoDB one
(chalicelib/store/dynamo.py) and the in-memory one in tests/fakes, held together by
tests/contract_store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..domain.endpoints import Endpoint
from ..domain.payments import Outcome
from ..domain.throttle import Window
from .records import (
    AuditEntry,
    Awaited,
    AwaitedPage,
    Delivery,
    EndpointRotation,
    Finalized,
    JobStats,
    JobStatsWrite,
    Merchant,
    Order,
    Page,
    PageRequest,
    Payment,
    Refund,
    Reservation,
    SecretRotation,
    Session,
    WorkKind,
)


class MerchantRepository(Protocol):
    def get(self, merchant_id: str) -> Merchant | None: ...

    def get_many(self, merchant_ids: set[str]) -> dict[str, Merchant]: ...

    def by_api_key(self, api_key: str) -> Merchant | None: ...

    def by_email(self, email: str) -> Merchant | None: ...

    def create_if_absent(self, merchant: Merchant) -> bool:
        """True when this call created it; False when a merchant with that id existed."""
        ...

    def set_webhook(self, merchant_id: str, url: str | None, events: list[str] | None, audit_entry: AuditEntry) -> bool:
        """The default endpoint's URL and filter (it is created, unsigned, when absent) and the
        audit entry, all or nothing; False: no such merchant, or the entry (its id) was written
        before."""
        ...

    def rotate_api_secret(self, merchant_id: str, rotation: SecretRotation, audit_entry: AuditEntry) -> bool:
        """False, and nothing written, when the secret is no longer `rotation.replaced_digest`."""
        ...

    def revoke_sessions(self, merchant_id: str) -> int:
        """Bump the merchant's session generation atomically; the new generation."""
        ...


class EndpointRepository(Protocol):
    """A merchant's webhook endpoints (records: Merchant.webhook_endpoints). Each write holds only
    while the endpoint is as the store reads it inside the write, with the rules of
    domain/endpoint_changes.py; its audit entry (when given) goes in the same transaction. False
    (or None), and nothing written: no such merchant or endpoint, the rule refused, or the audit
    entry (event) was written before."""

    def add(self, merchant_id: str, endpoint: Endpoint, audit_entry: AuditEntry) -> bool:
        """Refused when the id exists or the merchant has MAX_ENDPOINTS endpoints."""
        ...

    def update(
        self, merchant_id: str, endpoint_id: str, fields: Mapping[str, object], at: str, audit_entry: AuditEntry | None
    ) -> Endpoint | None:
        """Fields of endpoint_changes.UPDATABLE (None clears one); the endpoint as written."""
        ...

    def delete(self, merchant_id: str, endpoint_id: str, audit_entry: AuditEntry) -> bool: ...

    def rotate_secret(
        self, merchant_id: str, endpoint_id: str, rotation: EndpointRotation, audit_entry: AuditEntry
    ) -> bool:
        """Refused unless the secret is still `rotation.replaced_sealed`."""
        ...

    def promote_secret(self, merchant_id: str, endpoint_id: str, at: str, audit_entry: AuditEntry) -> bool: ...

    def set_failing_since(self, merchant_id: str, endpoint_id: str, at: str) -> bool:
        """Refused when failing_since is set already (the first failure stays)."""
        ...

    def clear_failing_since(self, merchant_id: str, endpoint_id: str) -> bool:
        """Refused when failing_since is not set."""
        ...

    def disable(self, merchant_id: str, endpoint_id: str, reason: str, at: str, event_record: Delivery | None) -> bool:
        """Refused unless enabled; `event_record` (the endpoint.disabled event's delivery) is
        created in the same transaction, with its counts."""
        ...


class OrderRepository(Protocol):
    def get(self, order_id: str) -> Order | None: ...

    def create(self, order: Order) -> bool:
        """False, and nothing written, when an order with that id exists."""
        ...

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[Order]: ...


class PaymentRepository(Protocol):
    def get(self, payment_id: str) -> Payment | None: ...

    def create_with_events(self, payment: Payment, events: list[Delivery]) -> bool:
        """The payment and its creation events, all or nothing. False: the payment existed."""
        ...

    def finalize(self, payment: Payment, outcome: Outcome, event: Delivery, now_iso: str) -> Finalized:
        """pending -> the outcome's status, with its event and (on success) the order paid."""
        ...

    def capture(
        self, payment: Payment, now_iso: str, audit_entry: AuditEntry, events: Sequence[Delivery] = ()
    ) -> Payment | None:
        """Only a successful, uncaptured payment without any refund (amount_refunded 0), for its
        whole amount, with its audit entry and the deliveries announcing it (`events`, which must
        not exist yet): the captured payment, or None (of two racing captures, or a capture and a
        refund's reservation, exactly one gets it)."""
        ...

    def list_for_merchant(
        self,
        merchant_id: str,
        page: PageRequest,
        status: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
    ) -> Page[Payment]: ...

    def daily_stats(self, merchant_id: str, first_day: str, last_day: str) -> dict[str, dict[str, int]]:
        """Per UTC day (ISO dates, inclusive) that has payments: the day's counts, summed over
        shards, named by domain/counts.py (n, s:<status>, count:<currency>, amount:<currency>)."""
        ...

    def list_for_order(self, order_id: str, page: PageRequest) -> Page[Payment]: ...

    def set_notes(self, payment_id: str, merchant_id: str, notes: dict[str, str], now_iso: str) -> Payment | None:
        """The payment's notes replaced (and updated_at): the payment, or None when the merchant
        has no payment of this id."""
        ...


class RefundRepository(Protocol):
    def get(self, refund_id: str) -> Refund | None: ...

    def create_with_event(
        self, payment: Payment, refund: Refund, event: Delivery, audit_entry: AuditEntry
    ) -> Reservation:
        """The refund, its event, its audit entry and the payment's amount_refunded and
        updated_at, all or nothing, under the refund rule (the payment succeeded, the total stays
        within its amount)."""
        ...

    def finalize(self, refund: Refund, event: Delivery, now_iso: str) -> bool:
        """pending -> processed with its event, and the payment's updated_at; False when it was
        processed already."""
        ...

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[Refund]: ...

    def list_for_payment(self, payment_id: str, page: PageRequest) -> Page[Refund]: ...

    def set_notes(self, refund_id: str, merchant_id: str, notes: dict[str, str]) -> Refund | None:
        """The refund's notes replaced: the refund, or None when the merchant has no refund of this id."""
        ...


class AuditRepository(Protocol):
    def add(self, entry: AuditEntry) -> bool:
        """An entry for a change without a transaction of its own; False: its id exists."""
        ...

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[AuditEntry]: ...


class DeliveryRepository(Protocol):
    def get(self, delivery_id: str) -> Delivery | None:
        """None when absent or past its `expires_at` (the retention, enforced before TTL deletes)."""
        ...

    def create(self, delivery: Delivery) -> bool:
        """False, and nothing written, when a delivery with that id exists."""
        ...

    def record_attempt(
        self,
        delivery: Delivery,
        attempt: dict[str, Any],
        status: str,
        next_retry_at: str | None,
        creating: bool = False,
    ) -> bool:
        """Record attempt `delivery.attempts + 1` (in slot number % 10; the latest ten are kept)
        in one write: only while the stored delivery is pending with `delivery`'s generation and
        attempts, or, `creating`, absent (then it is created with it, counters included). False,
        and nothing written, otherwise."""
        ...

    def mark_skipped(self, merchant_id: str, delivery_id: str, event: str, generation: int, reason: str) -> bool: ...

    def reset_for_retry(self, delivery: Delivery, generation: int) -> bool:
        """A manual retry or replay: pending again under `generation`, its retry schedule
        starting again from `delivery.attempts` (`round_start`); False if another retry won or
        the status or attempts changed since `delivery` was read."""
        ...

    def list_for_merchant(
        self,
        merchant_id: str,
        page: PageRequest,
        status: str | None = None,
        event: str | None = None,
        endpoint_id: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
    ) -> Page[Delivery]:
        """Newest first; the time range is inclusive. Filtered by endpoint (the default one's
        include deliveries recorded without an endpoint_id) or time, the page has no total."""
        ...

    def count_for_merchant(
        self,
        merchant_id: str,
        since: str,
        until: str,
        status: str | None = None,
        event: str | None = None,
        endpoint_id: str | None = None,
    ) -> int:
        """The deliveries created in [since, until) that match, counted on the index (no Scan)."""
        ...

    def events_after(
        self, merchant_id: str, position: tuple[str, str] | None, until: str, limit: int, default_endpoint: str
    ) -> list[Delivery]:
        """The merchant's events (the deliveries of `default_endpoint`, each event's own item,
        those recorded without an endpoint_id included) whose (created_at, id) sorts after
        `position`, created at or before `until`, oldest first, at most `limit`; unexpired only."""
        ...


class SessionRepository(Protocol):
    def create(self, session: Session) -> None: ...

    def get(self, session_id: str) -> Session | None: ...

    def delete(self, session_id: str) -> None: ...


class ThrottleRepository(Protocol):
    """Counters of attempts, one per (subject, window); see domain/throttle.py."""

    def take(self, window: Window) -> bool:
        """Count one attempt: True when the window had room (it now holds one more), False when
        its limit was reached (nothing written). Atomic: racing callers never pass the limit."""
        ...

    def give_back(self, window: Window) -> None:
        """One attempt less, never below zero (an attempt that turned out not to count)."""
        ...

    def clear(self, window: Window) -> None:
        """Forget the window's attempts."""
        ...


class JobStatsRepository(Protocol):
    def record(self, write: JobStatsWrite) -> None:
        """Add to the counters and beat the heartbeat, in one write; a write sent again with
        the same write_id and values (a retry after an unknown outcome) adds nothing more."""
        ...

    def read(self) -> JobStats: ...


class AwaitingRepository(Protocol):
    """The awaiting index: pending payments, refunds and deliveries by when their work is due
    (only the reconciler and the local start-time resume read it, services/reconcile.py)."""

    def due(self, kind: WorkKind, shard: int, due_by_ms: int, limit: int, after: Awaited | None = None) -> AwaitedPage:
        """Up to `limit` entries of `kind` in one shard (0..AWAITING_SHARDS-1) due at or before
        `due_by_ms`, earliest first, after `after`. An index read: it may lag the table."""
        ...

    def claim(self, item: Awaited, next_due_ms: int) -> Payment | Refund | Delivery | None:
        """Make `item` due at `next_due_ms`, only if it still waits as it was read (pending, same
        due): the item as it is now, or None (it finished, or another run claimed it first)."""
        ...


class StageKeyRepository(Protocol):
    def get(self, name: str) -> str | None:
        """The sealed secret of that name, or None."""
        ...

    def create_if_absent(self, name: str, sealed: str, now_iso: str) -> bool:
        """True when this call wrote it; False, and nothing written, when it existed: the first
        writer's secret is the stage's for good."""
        ...


class Store(Protocol):
    @property
    def merchants(self) -> MerchantRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def refunds(self) -> RefundRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def job_stats(self) -> JobStatsRepository: ...

    @property
    def throttle(self) -> ThrottleRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def awaiting(self) -> AwaitingRepository: ...

    @property
    def stage_keys(self) -> StageKeyRepository: ...

    @property
    def endpoints(self) -> EndpointRepository: ...
