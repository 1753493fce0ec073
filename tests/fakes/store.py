"""The Store in memory, with the DynamoDB implementation's conditional-write semantics.

Every write happens under one lock, so a condition and its write are atomic as they are in
DynamoDB; a transaction checks every labelled condition, writes nothing when any fails, and
reports which ones failed. Records are copied in and out, as a database would.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.domain import clock, counts
from chalicelib.domain import deliveries as delivery_rules
from chalicelib.domain import endpoint_changes as endpoint_rules
from chalicelib.domain import payments as payment_rules
from chalicelib.domain import refunds as refund_rules
from chalicelib.domain.counts import NO_DAY, Deltas, RowId, row_keys
from chalicelib.domain.cursors import DONE, HORIZON, ShardPosition, start
from chalicelib.domain.endpoints import Endpoint, default_endpoint_id
from chalicelib.domain.payments import Outcome
from chalicelib.domain.shards import AWAITING_SHARDS, COUNTER_SHARDS, LIST_SHARDS, shard_of, sharded_key
from chalicelib.domain.throttle import Window
from chalicelib.store.interface import Store
from chalicelib.store.keys import awaiting_due, epoch_ms
from chalicelib.store.merchant_endpoints import with_endpoints
from chalicelib.store.merge import ShardRead, T, fetch_size, merge
from chalicelib.store.records import (
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

Operation = tuple[str, Callable[[], bool], Callable[[], None]]  # (label, condition, write)


def _read_shard(items: list[T], position: ShardPosition, wanted: int) -> ShardRead[T]:
    """One shard of an index, newest first (ties: the greater id first, as DynamoDB orders
    them), after `position`: up to `wanted + 1` items, as the DynamoDB store reads them."""
    if position == DONE:
        return ShardRead([], complete=True)
    ordered = sorted(items, key=lambda item: (item.created_at, item.id), reverse=True)
    if position and position[1] == HORIZON:
        ordered = [item for item in ordered if item.created_at <= position[0]]
    elif position:
        ordered = [item for item in ordered if (item.created_at, item.id) < position]
    size = fetch_size(wanted)
    return ShardRead([copy.deepcopy(item) for item in ordered[:size]], complete=len(ordered) <= size)


def _newest_first(items: Iterable[T], page: PageRequest, shards: int, total: int | None | Literal["count"]) -> Page[T]:
    """A (sharded) index read as the DynamoDB store reads it: each shard after its position,
    merged (chalicelib/store/merge.py). `total` "count": the matching items, counted."""
    matching = list(items)
    by_shard: list[list[T]] = [[] for _ in range(shards)]
    for item in matching:
        by_shard[shard_of(item.id, shards) if shards > 1 else 0].append(item)
    positions = page.after or start(shards)
    wanted = page.skip + page.limit
    reads = [_read_shard(by_shard[n], positions[n], wanted) for n in range(shards)]
    merged = merge(reads, positions, page.skip, page.limit)
    return Page(merged.items, len(matching) if total == "count" else total, merged.next)


class _Tables:
    """The rows of every table, and the lock that makes each write (or transaction) atomic."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.merchants: dict[str, Merchant] = {}
        self.orders: dict[str, Order] = {}
        self.payments: dict[str, Payment] = {}
        self.refunds: dict[str, Refund] = {}
        self.deliveries: dict[str, Delivery] = {}
        self.sessions: dict[str, Session] = {}
        self.job_stats: dict[str, JobStats] = {}  # by shard row
        self.job_stats_writes: set[str] = set()
        self.counters: dict[RowId, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.throttle: dict[str, int] = {}  # attempts, by window key
        self.audit: dict[str, AuditEntry] = {}
        self.stage_keys: dict[str, str] = {}
        # The awaiting index: (kind, id) -> due ms, only while the item is pending (store/awaiting.py).
        self.awaiting: dict[tuple[WorkKind, str], int] = {}

    def wait(self, kind: WorkKind, item: Payment | Refund | Delivery, due_ms: int | None = None) -> None:
        """Enter a pending item in the awaiting index (as store/rows.py keys it), or leave it."""
        if item.status == "pending":
            self.awaiting[(kind, item.id)] = awaiting_due(asdict(item)) if due_ms is None else due_ms
        else:
            self.awaiting.pop((kind, item.id), None)

    def put(self, kind: WorkKind, rows: dict[str, Any], item: Payment | Refund | Delivery) -> None:
        rows[item.id] = item
        self.wait(kind, item)

    def transact(self, operations: list[Operation]) -> set[str]:
        """(label, condition, write) each: all written, or none and the labels whose condition failed."""
        with self.lock:
            failed = {label for label, condition, _ in operations if not condition()}
            if not failed:
                for _, _, write in operations:
                    write()
            return failed

    def count(self, deltas: Deltas) -> Operation:
        """Adding to the counters, as part of a transaction: unconditional, as in DynamoDB."""

        def write() -> None:
            for row, values in deltas.items():
                for name, amount in values.items():
                    self.counters[row][name] += amount

        return ("counter", lambda: True, write)

    def total(self, merchant_id: str, family: str, attribute: str) -> int:
        return sum(self.counters.get((key, NO_DAY), {}).get(attribute, 0) for key in row_keys(merchant_id, family))

    def put_audit(self, entry: AuditEntry) -> list[Operation]:
        """An audit entry that must not exist yet, with its count, as part of a transaction."""
        return [
            ("audit", lambda: entry.id not in self.audit, lambda: self.audit.update({entry.id: copy.deepcopy(entry)})),
            self.count(Deltas().audit_recorded(entry.merchant_id, entry.id)),
        ]

    def put_event(self, event: Delivery) -> Operation:
        """Saving an event record that must not exist yet, as part of a transaction."""
        return ("event", lambda: event.id not in self.deliveries, lambda: self.put("delivery", self.deliveries, event))


class FakeMerchants:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, merchant_id: str) -> Merchant | None:
        return copy.deepcopy(self._t.merchants.get(merchant_id))

    def get_many(self, merchant_ids: set[str]) -> dict[str, Merchant]:
        return {i: copy.deepcopy(m) for i, m in self._t.merchants.items() if i in merchant_ids}

    def by_api_key(self, api_key: str) -> Merchant | None:
        return next((copy.deepcopy(m) for m in self._t.merchants.values() if m.api_key == api_key), None)

    def by_email(self, email: str) -> Merchant | None:
        return next((copy.deepcopy(m) for m in self._t.merchants.values() if m.email == email), None)

    def create_if_absent(self, merchant: Merchant) -> bool:
        with self._t.lock:
            if merchant.id in self._t.merchants:
                return False
            self._t.merchants[merchant.id] = with_endpoints(copy.deepcopy(merchant))
            return True

    def _change(
        self,
        merchant_id: str,
        audit_entry: AuditEntry,
        holds: Callable[[Merchant], bool] = lambda _: True,
        **changes: Any,
    ) -> bool:
        t = self._t

        def write() -> None:
            t.merchants[merchant_id] = replace(t.merchants[merchant_id], **changes)

        def condition() -> bool:
            return merchant_id in t.merchants and holds(t.merchants[merchant_id])

        return not t.transact([("merchant", condition, write), *t.put_audit(audit_entry)])

    def set_webhook(self, merchant_id: str, url: str | None, events: list[str] | None, audit_entry: AuditEntry) -> bool:
        default, at = default_endpoint_id(merchant_id), audit_entry.created_at
        filtered = tuple(events) if events else None

        def decide(current: Endpoint | None, every: dict[str, Endpoint]) -> Endpoint | None:
            if current is None:
                return endpoint_rules.added(every, Endpoint(default, url or "", "", at, events=filtered))
            return endpoint_rules.updated(current, {"url": url or "", "events": filtered}, at)

        return _change_endpoint(self._t, merchant_id, default, decide, audit_entry) is not None

    def rotate_api_secret(self, merchant_id: str, rotation: SecretRotation, audit_entry: AuditEntry) -> bool:
        return self._change(
            merchant_id,
            audit_entry,
            lambda merchant: merchant.api_secret_digest == rotation.replaced_digest,
            api_secret_digest=rotation.new_digest,
            api_secret_sealed=rotation.new_sealed,
            previous_api_secret_digest=rotation.replaced_digest,
            previous_api_secret_expires_at=rotation.previous_expires_at,
            api_secret_rotated_at=rotation.rotated_at,
        )

    def revoke_sessions(self, merchant_id: str) -> int:
        with self._t.lock:
            merchant = self._t.merchants[merchant_id]
            generation = merchant.session_generation + 1
            self._t.merchants[merchant_id] = replace(merchant, session_generation=generation)
            return generation


_REMOVE = object()


def _change_endpoint(
    t: _Tables,
    merchant_id: str,
    endpoint_id: str,
    decide: Callable[[Endpoint | None, dict[str, Endpoint]], Endpoint | None | object],
    audit_entry: AuditEntry | None = None,
    event: Delivery | None = None,
) -> Endpoint | None | object:
    """As store/endpoints.py: decide on the endpoint as it is, write with the audit entry and event."""
    with t.lock:
        merchant = t.merchants.get(merchant_id)
        if merchant is None:
            return None
        endpoints = {endpoint.id: endpoint for endpoint in merchant.webhook_endpoints}
        decision = decide(copy.deepcopy(endpoints.get(endpoint_id)), copy.deepcopy(endpoints))
        if decision is None:
            return None
        if isinstance(decision, Endpoint):
            endpoints[endpoint_id] = decision
        else:
            endpoints.pop(endpoint_id, None)

        def write() -> None:
            t.merchants[merchant_id] = with_endpoints(merchant, endpoints.values())

        operations: list[Operation] = [("merchant", lambda: True, write)]
        if audit_entry is not None:
            operations += t.put_audit(audit_entry)
        if event is not None:
            operations += [
                t.put_event(event),
                t.count(Deltas().delivery_created(event.merchant_id, event.id, event.event, event.status)),
            ]
        return None if t.transact(operations) else decision


class FakeEndpoints:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, merchant_id: str, endpoint: Endpoint, audit_entry: AuditEntry) -> bool:
        decision = _change_endpoint(
            self._t, merchant_id, endpoint.id, lambda _, every: endpoint_rules.added(every, endpoint), audit_entry
        )
        return decision is not None

    def update(
        self, merchant_id: str, endpoint_id: str, fields: Mapping[str, object], at: str, audit_entry: AuditEntry | None
    ) -> Endpoint | None:
        decision = _change_endpoint(
            self._t,
            merchant_id,
            endpoint_id,
            lambda current, _: endpoint_rules.updated(current, fields, at),
            audit_entry,
        )
        return copy.deepcopy(decision) if isinstance(decision, Endpoint) else None

    def delete(self, merchant_id: str, endpoint_id: str, audit_entry: AuditEntry) -> bool:
        decision = _change_endpoint(
            self._t, merchant_id, endpoint_id, lambda current, _: _REMOVE if current else None, audit_entry
        )
        return decision is not None

    def rotate_secret(
        self, merchant_id: str, endpoint_id: str, rotation: EndpointRotation, audit_entry: AuditEntry
    ) -> bool:
        def decide(current: Endpoint | None, _: dict[str, Endpoint]) -> Endpoint | None:
            return endpoint_rules.rotated(
                current,
                rotation.replaced_sealed,
                rotation.new_sealed,
                rotation.previous_expires_at,
                rotation.rotated_at,
            )

        return _change_endpoint(self._t, merchant_id, endpoint_id, decide, audit_entry) is not None

    def promote_secret(self, merchant_id: str, endpoint_id: str, at: str, audit_entry: AuditEntry) -> bool:
        decision = _change_endpoint(
            self._t, merchant_id, endpoint_id, lambda current, _: endpoint_rules.promoted(current, at), audit_entry
        )
        return decision is not None

    def set_failing_since(self, merchant_id: str, endpoint_id: str, at: str) -> bool:
        decision = _change_endpoint(
            self._t, merchant_id, endpoint_id, lambda current, _: endpoint_rules.failing_from(current, at)
        )
        return decision is not None

    def clear_failing_since(self, merchant_id: str, endpoint_id: str) -> bool:
        decision = _change_endpoint(
            self._t, merchant_id, endpoint_id, lambda current, _: endpoint_rules.recovered(current)
        )
        return decision is not None

    def disable(self, merchant_id: str, endpoint_id: str, reason: str, at: str, event_record: Delivery | None) -> bool:
        decision = _change_endpoint(
            self._t,
            merchant_id,
            endpoint_id,
            lambda current, _: endpoint_rules.disabled(current, reason, at),
            None,
            event_record,
        )
        return decision is not None


class FakeOrders:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, order_id: str) -> Order | None:
        return copy.deepcopy(self._t.orders.get(order_id))

    def create(self, order: Order) -> bool:
        t = self._t
        return not t.transact(
            [
                ("order", lambda: order.id not in t.orders, lambda: t.orders.update({order.id: copy.deepcopy(order)})),
                t.count(Deltas().order_created(order.merchant_id, order.id)),
            ]
        )

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[Order]:
        mine = (o for o in self._t.orders.values() if o.merchant_id == merchant_id)
        return _newest_first(mine, page, LIST_SHARDS, self._t.total(merchant_id, counts.ORDERS, counts.TOTAL))


class FakePayments:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, payment_id: str) -> Payment | None:
        return copy.deepcopy(self._t.payments.get(payment_id))

    def set_notes(self, payment_id: str, merchant_id: str, notes: dict[str, str], now_iso: str) -> Payment | None:
        t = self._t

        def owned() -> bool:
            current = t.payments.get(payment_id)
            return current is not None and current.merchant_id == merchant_id

        def write() -> None:
            t.payments[payment_id] = replace(t.payments[payment_id], notes=dict(notes), updated_at=now_iso)

        if t.transact([("payment", owned, write)]):
            return None
        return self.get(payment_id)

    def create_with_events(self, payment: Payment, events: list[Delivery]) -> bool:
        t = self._t
        operations: list[Operation] = [
            ("payment", lambda: payment.id not in t.payments, lambda: t.put("payment", t.payments, payment))
        ]
        operations += [t.put_event(event) for event in events]
        deltas = Deltas().payment_created(
            payment.merchant_id, payment.id, payment.created_at[:10], payment.currency, payment.status
        )
        for event in events:
            deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
        return not t.transact([*operations, t.count(deltas)])

    def finalize(self, payment: Payment, outcome: Outcome, event: Delivery, now_iso: str) -> Finalized:
        t = self._t

        def pending() -> bool:
            current = t.payments.get(payment.id)
            return current is not None and current.status == payment_rules.PENDING

        def write_payment() -> None:
            current = t.payments[payment.id]
            changes: dict[str, Any] = {"status": outcome.status, "updated_at": now_iso}
            if outcome.error_code:
                changes["error_code"] = outcome.error_code
            if outcome.error_description:
                changes["error_description"] = outcome.error_description
            if outcome.capture and outcome.status == payment_rules.SUCCESS:
                changes.update(captured=True, captured_at=now_iso, amount_captured=current.amount)
            t.payments[payment.id] = replace(current, **changes)
            t.wait("payment", t.payments[payment.id])

        def order_unpaid() -> bool:
            order = t.orders.get(payment.order_id)
            return order is not None and order.status != "paid"

        def pay_order() -> None:
            t.orders[payment.order_id] = replace(t.orders[payment.order_id], status="paid", paid_at=now_iso)

        succeeded = payment.amount if outcome.status == payment_rules.SUCCESS else 0
        deltas = Deltas().payment_finalized(
            payment.merchant_id,
            payment.id,
            payment.created_at[:10],
            payment_rules.PENDING,
            outcome.status,
            succeeded,
            payment.currency,
        )
        deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
        operations: list[Operation] = [("payment", pending, write_payment), t.put_event(event), t.count(deltas)]
        if outcome.status == payment_rules.SUCCESS:
            operations.append(("order", order_unpaid, pay_order))
        failed = t.transact(operations)
        if "payment" in failed or "event" in failed:
            return Finalized.ALREADY_FINAL
        if "order" in failed:
            return Finalized.ORDER_TAKEN
        return Finalized.DONE

    def capture(
        self, payment: Payment, now_iso: str, audit_entry: AuditEntry, events: Sequence[Delivery] = ()
    ) -> Payment | None:
        t = self._t

        def capturable() -> bool:
            current = t.payments.get(payment.id)
            return (
                current is not None
                and current.status == payment_rules.SUCCESS
                and not current.captured
                and current.amount_refunded == 0
                and current.amount == payment.amount
            )

        def write() -> None:
            t.payments[payment.id] = replace(
                t.payments[payment.id],
                captured=True,
                captured_at=now_iso,
                amount_captured=payment.amount,
                updated_at=now_iso,
            )

        deltas = Deltas()
        for event in events:
            deltas.delivery_created(event.merchant_id, event.id, event.event, event.status)
        announced = [t.put_event(event) for event in events]
        if t.transact([("payment", capturable, write), *t.put_audit(audit_entry), *announced, t.count(deltas)]):
            return None
        return replace(payment, captured=True, captured_at=now_iso, amount_captured=payment.amount, updated_at=now_iso)

    def list_for_merchant(
        self,
        merchant_id: str,
        page: PageRequest,
        status: str | None = None,
        created_from: str | None = None,
        created_to: str | None = None,
    ) -> Page[Payment]:
        return _newest_first(
            (
                p
                for p in self._t.payments.values()
                if p.merchant_id == merchant_id
                and (not status or p.status == status)
                and (not created_from or p.created_at >= created_from)
                and (not created_to or p.created_at <= created_to)
            ),
            page,
            LIST_SHARDS,
            None
            if created_from or created_to
            else self._t.total(merchant_id, counts.PAYMENTS, counts.status(status) if status else counts.TOTAL),
        )

    def daily_stats(self, merchant_id: str, first_day: str, last_day: str) -> dict[str, dict[str, int]]:
        summed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        keys = set(row_keys(merchant_id, counts.STATS))
        with self._t.lock:
            for (key, day), values in self._t.counters.items():
                if key in keys and first_day <= day <= last_day:
                    for name, value in values.items():
                        summed[day][name] += value
        return {day: dict(values) for day, values in summed.items()}

    def list_for_order(self, order_id: str, page: PageRequest) -> Page[Payment]:
        return _newest_first((p for p in self._t.payments.values() if p.order_id == order_id), page, 1, "count")


class FakeRefunds:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, refund_id: str) -> Refund | None:
        return copy.deepcopy(self._t.refunds.get(refund_id))

    def set_notes(self, refund_id: str, merchant_id: str, notes: dict[str, str]) -> Refund | None:
        t = self._t

        def owned() -> bool:
            current = t.refunds.get(refund_id)
            return current is not None and current.merchant_id == merchant_id

        def write() -> None:
            t.refunds[refund_id] = replace(t.refunds[refund_id], notes=dict(notes))

        if t.transact([("refund", owned, write)]):
            return None
        return self.get(refund_id)

    def create_with_event(
        self, payment: Payment, refund: Refund, event: Delivery, audit_entry: AuditEntry
    ) -> Reservation:
        t = self._t
        limit = payment.amount - refund.amount

        def fits() -> bool:
            current = t.payments.get(payment.id)
            return current is not None and current.status == payment_rules.SUCCESS and current.amount_refunded <= limit

        def reserve() -> None:
            current = t.payments[payment.id]
            t.payments[payment.id] = replace(
                current, amount_refunded=current.amount_refunded + refund.amount, updated_at=refund.created_at
            )

        failed = t.transact(
            [
                ("payment", fits, reserve),
                ("refund", lambda: refund.id not in t.refunds, lambda: t.put("refund", t.refunds, refund)),
                t.put_event(event),
                t.count(
                    Deltas()
                    .refund_created(refund.merchant_id, refund.id)
                    .delivery_created(event.merchant_id, event.id, event.event, event.status)
                ),
                *t.put_audit(audit_entry),
            ]
        )
        if "refund" in failed or "audit" in failed:
            return Reservation.EXISTS
        if failed:
            return Reservation.REFUSED
        return Reservation.RESERVED

    def finalize(self, refund: Refund, event: Delivery, now_iso: str) -> bool:
        t = self._t

        def pending() -> bool:
            current = t.refunds.get(refund.id)
            return current is not None and current.status == refund_rules.PENDING

        def process() -> None:
            t.refunds[refund.id] = replace(t.refunds[refund.id], status=refund_rules.PROCESSED, processed_at=now_iso)
            t.wait("refund", t.refunds[refund.id])

        def touch_payment() -> None:
            t.payments[refund.payment_id] = replace(t.payments[refund.payment_id], updated_at=now_iso)

        return not t.transact(
            [
                ("refund", pending, process),
                ("payment", lambda: refund.payment_id in t.payments, touch_payment),
                t.put_event(event),
                t.count(Deltas().delivery_created(event.merchant_id, event.id, event.event, event.status)),
            ]
        )

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[Refund]:
        mine = (r for r in self._t.refunds.values() if r.merchant_id == merchant_id)
        return _newest_first(mine, page, LIST_SHARDS, self._t.total(merchant_id, counts.REFUNDS, counts.TOTAL))

    def list_for_payment(self, payment_id: str, page: PageRequest) -> Page[Refund]:
        return _newest_first((r for r in self._t.refunds.values() if r.payment_id == payment_id), page, 1, "count")


class FakeAudit:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def add(self, entry: AuditEntry) -> bool:
        return not self._t.transact(self._t.put_audit(entry))

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[AuditEntry]:
        mine = (e for e in self._t.audit.values() if e.merchant_id == merchant_id)
        return _newest_first(mine, page, LIST_SHARDS, self._t.total(merchant_id, counts.AUDIT, counts.TOTAL))


class FakeDeliveries:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, delivery_id: str) -> Delivery | None:
        found = self._t.deliveries.get(delivery_id)
        if found is None or (found.expires_at is not None and found.expires_at <= clock.now()):
            return None
        return copy.deepcopy(found)

    def create(self, delivery: Delivery) -> bool:
        t = self._t
        return not t.transact(
            [
                (
                    "delivery",
                    lambda: delivery.id not in t.deliveries,
                    lambda: t.put("delivery", t.deliveries, copy.deepcopy(delivery)),
                ),
                t.count(Deltas().delivery_created(delivery.merchant_id, delivery.id, delivery.event, delivery.status)),
            ]
        )

    def _update(
        self,
        delivery_id: str,
        condition: Callable[[Delivery], bool],
        due_ms: Callable[[Delivery], int] | None = None,
        **changes: Any,
    ) -> Delivery | None:
        """A conditional update; a status change moves its counts in the same atomic step.
        `due_ms`: when the updated delivery, if pending, is due in the awaiting index (unchanged
        when not given)."""
        with self._t.lock:
            current = self._t.deliveries.get(delivery_id)
            if current is None or not condition(current):
                return None
            updated = replace(current, **changes)
            self._t.deliveries[delivery_id] = updated
            if due_ms is not None or updated.status != delivery_rules.PENDING:
                self._t.wait("delivery", updated, due_ms(updated) if due_ms is not None else None)
            moved = Deltas().delivery_moved(
                current.merchant_id, current.id, current.event, current.status, updated.status
            )
            self._t.count(moved)[2]()
            return copy.deepcopy(updated)

    def record_attempt(
        self,
        delivery: Delivery,
        attempt: dict[str, Any],
        status: str,
        next_retry_at: str | None,
        creating: bool = False,
    ) -> bool:
        number = delivery.attempts + 1
        changes: dict[str, Any] = {
            "attempts": number,
            "status": status,
            "last_attempt_at": attempt["at"],
            "next_retry_at": next_retry_at,
            "response_code": attempt.get("response_code"),
        }
        if creating:
            created = replace(delivery, attempt_log=(copy.deepcopy(attempt),), **changes)
            t = self._t
            return not t.transact(
                [
                    (
                        "delivery",
                        lambda: delivery.id not in t.deliveries,
                        lambda: t.put("delivery", t.deliveries, created),
                    ),
                    t.count(Deltas().delivery_created(delivery.merchant_id, delivery.id, delivery.event, status)),
                ]
            )
        with self._t.lock:
            current = self._t.deliveries.get(delivery.id)
            log = delivery_rules.latest_attempts([*(current.attempt_log if current else ()), copy.deepcopy(attempt)])
        written = self._update(
            delivery.id,
            lambda d: (
                d.attempts == delivery.attempts
                and d.generation == delivery.generation
                and d.status == delivery_rules.PENDING
            ),
            attempt_log=log,
            due_ms=lambda d: epoch_ms(d.next_retry_at or attempt["at"]),
            **changes,
        )
        return written is not None

    def mark_skipped(self, merchant_id: str, delivery_id: str, event: str, generation: int, reason: str) -> bool:
        return (
            self._update(
                delivery_id,
                lambda d: d.status == delivery_rules.PENDING and d.generation == generation,
                status=delivery_rules.SKIPPED,
                skip_reason=reason,
            )
            is not None
        )

    def reset_for_retry(self, delivery: Delivery, generation: int) -> bool:
        return (
            self._update(
                delivery.id,
                lambda d: (
                    d.generation == generation - 1 and d.status == delivery.status and d.attempts == delivery.attempts
                ),
                status=delivery_rules.PENDING,
                round_start=delivery.attempts,
                generation=generation,
                next_retry_at=None,
                skip_reason=None,
                due_ms=lambda _: epoch_ms(clock.now_iso()),
            )
            is not None
        )

    def _matching(
        self, merchant_id: str, status: str | None, event: str | None, endpoint_id: str | None
    ) -> Iterator[Delivery]:
        for d in list(self._t.deliveries.values()):
            if d.merchant_id != merchant_id or (status and d.status != status) or (event and d.event != event):
                continue
            if d.expires_at is not None and d.expires_at <= clock.now():
                continue  # retention enforced in reads, as the real store's filter does
            owner = d.endpoint_id or default_endpoint_id(merchant_id)  # none: recorded before endpoints
            if endpoint_id and owner != endpoint_id:
                continue
            yield d

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
        exact = not (endpoint_id or created_from or created_to)
        return _newest_first(
            (
                d
                for d in self._matching(merchant_id, status, event, endpoint_id)
                if (not created_from or d.created_at >= created_from) and (not created_to or d.created_at <= created_to)
            ),
            page,
            LIST_SHARDS,
            self._t.total(merchant_id, counts.WEBHOOKS, counts.delivery_attribute(status, event)) if exact else None,
        )

    def events_after(
        self, merchant_id: str, position: tuple[str, str] | None, until: str, limit: int, default_endpoint: str
    ) -> list[Delivery]:
        after = position or ("", "")
        found = [
            copy.deepcopy(d)
            for d in self._matching(merchant_id, None, None, default_endpoint)
            if (d.created_at, d.id) > after and d.created_at <= until
        ]
        return sorted(found, key=lambda d: (d.created_at, d.id))[:limit]

    def count_for_merchant(
        self,
        merchant_id: str,
        since: str,
        until: str,
        status: str | None = None,
        event: str | None = None,
        endpoint_id: str | None = None,
    ) -> int:
        return sum(since <= d.created_at < until for d in self._matching(merchant_id, status, event, endpoint_id))


class FakeSessions:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def create(self, session: Session) -> None:
        self._t.sessions[session.id] = session

    def get(self, session_id: str) -> Session | None:
        return self._t.sessions.get(session_id)

    def delete(self, session_id: str) -> None:
        self._t.sessions.pop(session_id, None)


class FakeJobStats:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def record(self, write: JobStatsWrite) -> None:
        with self._t.lock:
            if write.write_id in self._t.job_stats_writes:
                return  # as DynamoDB's ClientRequestToken: the same write applies once
            self._t.job_stats_writes.add(write.write_id)
            row = sharded_key("jobs", write.write_id, COUNTER_SHARDS)
            current = self._t.job_stats.get(row, JobStats())
            self._t.job_stats[row] = JobStats(
                current.completed + write.completed, current.failed + write.failed, write.at_ms
            )

    def read(self) -> JobStats:
        with self._t.lock:
            shards = list(self._t.job_stats.values())
        beats = [shard.heartbeat_at for shard in shards if shard.heartbeat_at is not None]
        return JobStats(
            sum(shard.completed for shard in shards), sum(shard.failed for shard in shards), max(beats, default=None)
        )


class FakeThrottle:
    """Counters keyed by window, as the DynamoDB store keeps them: take is check-and-add under
    the lock, as the conditional UpdateItem is atomic."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def take(self, window: Window) -> bool:
        with self._t.lock:
            attempts = self._t.throttle.get(window.key, 0)
            if attempts >= window.limit:
                return False
            self._t.throttle[window.key] = attempts + 1
            return True

    def give_back(self, window: Window) -> None:
        with self._t.lock:
            if self._t.throttle.get(window.key, 0) > 0:
                self._t.throttle[window.key] -= 1

    def clear(self, window: Window) -> None:
        with self._t.lock:
            self._t.throttle.pop(window.key, None)


class FakeAwaiting:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def _rows(self, kind: WorkKind) -> dict[str, Any]:
        return {"payment": self._t.payments, "refund": self._t.refunds, "delivery": self._t.deliveries}[kind]

    def due(self, kind: WorkKind, shard: int, due_by_ms: int, limit: int, after: Awaited | None = None) -> AwaitedPage:
        if not 0 <= shard < AWAITING_SHARDS:
            raise ValueError(f"no awaiting shard {shard}")
        with self._t.lock:
            entries = sorted(
                (due, item_id)
                for (of, item_id), due in self._t.awaiting.items()
                if of == kind and due <= due_by_ms and shard_of(item_id, AWAITING_SHARDS) == shard
            )
        if after is not None:
            entries = [entry for entry in entries if entry > (after.due_ms, after.id)]
        items = [Awaited(kind, item_id, due) for due, item_id in entries[:limit]]
        return AwaitedPage(items, items[-1] if len(entries) > limit else None)

    def claim(self, item: Awaited, next_due_ms: int) -> Payment | Refund | Delivery | None:
        with self._t.lock:
            current = self._rows(item.kind).get(item.id)
            if current is None or current.status != "pending":
                return None
            if self._t.awaiting.get((item.kind, item.id)) != item.due_ms:
                return None
            self._t.awaiting[(item.kind, item.id)] = next_due_ms
            return copy.deepcopy(current)  # type: ignore[no-any-return]


class FakeStageKeys:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, name: str) -> str | None:
        return self._t.stage_keys.get(name)

    def create_if_absent(self, name: str, sealed: str, now_iso: str) -> bool:
        with self._t.lock:
            if name in self._t.stage_keys:
                return False
            self._t.stage_keys[name] = sealed
            return True


class FakeStore:
    """Satisfies chalicelib.store.interface.Store."""

    def __init__(self) -> None:
        self.tables = _Tables()
        self.merchants = FakeMerchants(self.tables)
        self.orders = FakeOrders(self.tables)
        self.payments = FakePayments(self.tables)
        self.refunds = FakeRefunds(self.tables)
        self.deliveries = FakeDeliveries(self.tables)
        self.sessions = FakeSessions(self.tables)
        self.job_stats = FakeJobStats(self.tables)
        self.throttle = FakeThrottle(self.tables)
        self.audit = FakeAudit(self.tables)
        self.awaiting = FakeAwaiting(self.tables)
        self.stage_keys = FakeStageKeys(self.tables)
        self.endpoints = FakeEndpoints(self.tables)


if TYPE_CHECKING:  # mypy holds the fake to the protocol, as the contract tests hold its behaviour
    _conforms: Store = FakeStore()
