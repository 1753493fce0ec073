"""The Store in memory, with the DynamoDB implementation's conditional-write semantics.

Every write happens under one lock, so a condition and its write are atomic as they are in
DynamoDB; a transaction checks every labelled condition, writes nothing when any fails, and
reports which ones failed. Records are copied in and out, as a database would.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.domain import counts
from chalicelib.domain import deliveries as delivery_rules
from chalicelib.domain import payments as payment_rules
from chalicelib.domain import refunds as refund_rules
from chalicelib.domain.counts import NO_DAY, Deltas, RowId, row_keys
from chalicelib.domain.cursors import DONE, HORIZON, ShardPosition, start
from chalicelib.domain.payments import Outcome
from chalicelib.domain.shards import COUNTER_SHARDS, LIST_SHARDS, shard_of, sharded_key
from chalicelib.store.interface import Store
from chalicelib.store.merge import ShardRead, T, fetch_size, merge
from chalicelib.store.records import (
    Delivery,
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
    Session,
)

MAX_LOGGED_ATTEMPTS = 25
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
        self.stage_keys: dict[str, str] = {}

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

    def put_event(self, event: Delivery) -> Operation:
        """Saving an event record that must not exist yet, as part of a transaction."""
        return ("event", lambda: event.id not in self.deliveries, lambda: self.deliveries.update({event.id: event}))


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
            self._t.merchants[merchant.id] = copy.deepcopy(merchant)
            return True

    def set_webhook(self, merchant_id: str, url: str | None, events: list[str] | None) -> None:
        with self._t.lock:
            merchant = self._t.merchants[merchant_id]
            self._t.merchants[merchant_id] = replace(
                merchant, webhook_url=url or None, webhook_events=tuple(events) if events else None
            )

    def set_webhook_secret(self, merchant_id: str, sealed_secret: str) -> None:
        with self._t.lock:
            merchant = self._t.merchants[merchant_id]
            self._t.merchants[merchant_id] = replace(merchant, webhook_secret_sealed=sealed_secret)


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

    def create_with_events(self, payment: Payment, events: list[Delivery]) -> bool:
        t = self._t
        operations: list[Operation] = [
            ("payment", lambda: payment.id not in t.payments, lambda: t.payments.update({payment.id: payment}))
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
            t.payments[payment.id] = replace(current, **changes)

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

    def capture(self, payment_id: str, now_iso: str) -> Payment | None:
        with self._t.lock:
            current = self._t.payments.get(payment_id)
            if current is None or current.status != payment_rules.SUCCESS or current.captured:
                return None
            captured = replace(current, captured=True, captured_at=now_iso, updated_at=now_iso)
            self._t.payments[payment_id] = captured
            return copy.deepcopy(captured)

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

    def create_with_event(self, payment: Payment, refund: Refund, event: Delivery) -> Reservation:
        t = self._t
        limit = payment.amount - refund.amount

        def fits() -> bool:
            current = t.payments.get(payment.id)
            return current is not None and current.status == payment_rules.SUCCESS and current.amount_refunded <= limit

        def reserve() -> None:
            current = t.payments[payment.id]
            t.payments[payment.id] = replace(current, amount_refunded=current.amount_refunded + refund.amount)

        failed = t.transact(
            [
                ("payment", fits, reserve),
                ("refund", lambda: refund.id not in t.refunds, lambda: t.refunds.update({refund.id: refund})),
                t.put_event(event),
                t.count(
                    Deltas()
                    .refund_created(refund.merchant_id, refund.id)
                    .delivery_created(event.merchant_id, event.id, event.event, event.status)
                ),
            ]
        )
        if "refund" in failed:
            return Reservation.EXISTS
        if failed:
            return Reservation.REFUSED
        return Reservation.RESERVED

    def finalize(self, refund_id: str, event: Delivery, now_iso: str) -> bool:
        t = self._t

        def pending() -> bool:
            current = t.refunds.get(refund_id)
            return current is not None and current.status == refund_rules.PENDING

        def process() -> None:
            t.refunds[refund_id] = replace(t.refunds[refund_id], status=refund_rules.PROCESSED, processed_at=now_iso)

        return not t.transact(
            [
                ("refund", pending, process),
                t.put_event(event),
                t.count(Deltas().delivery_created(event.merchant_id, event.id, event.event, event.status)),
            ]
        )

    def list_for_merchant(self, merchant_id: str, page: PageRequest) -> Page[Refund]:
        mine = (r for r in self._t.refunds.values() if r.merchant_id == merchant_id)
        return _newest_first(mine, page, LIST_SHARDS, self._t.total(merchant_id, counts.REFUNDS, counts.TOTAL))

    def list_for_payment(self, payment_id: str, page: PageRequest) -> Page[Refund]:
        return _newest_first((r for r in self._t.refunds.values() if r.payment_id == payment_id), page, 1, "count")


class FakeDeliveries:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def get(self, delivery_id: str) -> Delivery | None:
        return copy.deepcopy(self._t.deliveries.get(delivery_id))

    def create(self, delivery: Delivery) -> bool:
        t = self._t
        return not t.transact(
            [
                (
                    "delivery",
                    lambda: delivery.id not in t.deliveries,
                    lambda: t.deliveries.update({delivery.id: copy.deepcopy(delivery)}),
                ),
                t.count(Deltas().delivery_created(delivery.merchant_id, delivery.id, delivery.event, delivery.status)),
            ]
        )

    def _update(self, delivery_id: str, condition: Callable[[Delivery], bool], **changes: Any) -> Delivery | None:
        """A conditional update; a status change moves its counts in the same atomic step."""
        with self._t.lock:
            current = self._t.deliveries.get(delivery_id)
            if current is None or not condition(current):
                return None
            updated = replace(current, **changes)
            self._t.deliveries[delivery_id] = updated
            moved = Deltas().delivery_moved(
                current.merchant_id, current.id, current.event, current.status, updated.status
            )
            self._t.count(moved)[2]()
            return copy.deepcopy(updated)

    def claim(self, delivery_id: str, generation: int, now_ms: int, lease_ms: int, due_by: str) -> Delivery | None:
        return self._update(
            delivery_id,
            lambda d: (
                d.status == delivery_rules.PENDING
                and d.generation == generation
                and (d.lease_until is None or d.lease_until < now_ms)
                and (d.next_retry_at is None or d.next_retry_at <= due_by)
            ),
            lease_until=now_ms + lease_ms,
        )

    def record_attempt(
        self, delivery: Delivery, attempt: dict[str, Any], status: str, next_retry_at: str | None
    ) -> bool:
        log = (*delivery.attempt_log[-(MAX_LOGGED_ATTEMPTS - 1) :], copy.deepcopy(attempt))
        written = self._update(
            delivery.id,
            lambda d: (
                d.attempts == delivery.attempts
                and d.generation == delivery.generation
                and d.status == delivery_rules.PENDING
                and d.lease_until == delivery.lease_until
            ),
            attempts=delivery.attempts + 1,
            attempt_log=log,
            status=status,
            last_attempt_at=attempt["at"],
            next_retry_at=next_retry_at,
            response_code=attempt.get("response_code"),
            lease_until=None,
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
                lambda d: d.generation == generation - 1 and d.status == delivery.status,
                status=delivery_rules.PENDING,
                attempts=0,
                generation=generation,
                next_retry_at=None,
                skip_reason=None,
            )
            is not None
        )

    def list_for_merchant(
        self, merchant_id: str, page: PageRequest, status: str | None = None, event: str | None = None
    ) -> Page[Delivery]:
        return _newest_first(
            (
                d
                for d in self._t.deliveries.values()
                if d.merchant_id == merchant_id
                and (not status or d.status == status)
                and (not event or d.event == event)
            ),
            page,
            LIST_SHARDS,
            self._t.total(merchant_id, counts.WEBHOOKS, counts.delivery_attribute(status, event)),
        )


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


class FakeBacklog:
    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def _pending(self, rows: dict[str, Any], status: str) -> Iterator[Any]:
        with self._t.lock:
            waiting = [copy.deepcopy(item) for item in rows.values() if item.status == status]
        yield from waiting

    def pending_payments(self) -> Iterator[Payment]:
        return self._pending(self._t.payments, payment_rules.PENDING)

    def pending_refunds(self) -> Iterator[Refund]:
        return self._pending(self._t.refunds, refund_rules.PENDING)

    def pending_deliveries(self) -> Iterator[Delivery]:
        return self._pending(self._t.deliveries, delivery_rules.PENDING)


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
        self.backlog = FakeBacklog(self.tables)
        self.stage_keys = FakeStageKeys(self.tables)


if TYPE_CHECKING:  # mypy holds the fake to the protocol, as the contract tests hold its behaviour
    _conforms: Store = FakeStore()
