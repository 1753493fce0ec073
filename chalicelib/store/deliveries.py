"""Webhook deliveries: the event log, each delivery's attempts, and its retries.

An attempt is recorded in one conditional write (no claim before it): attempt n goes to slot
n % 10 (domain/deliveries.py), so the write needs no read of the item and the item's size is
bounded. A delivery to an endpoint other than the default one is created by its first attempt's
write, static fields and counters included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import reduce
from operator import and_
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ..domain import clock
from ..domain import deliveries as rules
from ..domain.counts import WEBHOOKS, Deltas, delivery_attribute
from ..domain.endpoints import is_default
from . import counters
from .conditions import written
from .keys import awaiting_key, epoch_ms, merchant_keys, status_key, status_keys
from .models import DeliveryModel
from .paging import FILTERED_READ, _pool, count_matching, newest_first
from .records import Delivery, Page, PageRequest
from .rows import record, row
from .transactions import Transaction

SLOTS = tuple(f"attempt_{n}" for n in range(rules.KEPT_ATTEMPTS))


def _record(model: DeliveryModel) -> Delivery:
    """The record of a row: its kept attempts from the slots (and the list of older items)."""
    delivery = record(Delivery, model)
    slotted = [dict(record_slot) for record_slot in (_slot_value(model, name) for name in SLOTS) if record_slot]
    return replace(delivery, attempt_log=rules.latest_attempts([*delivery.attempt_log, *slotted]))


def _slot_value(model: DeliveryModel, name: str) -> dict[str, Any] | None:
    value = getattr(model, name, None)
    if value is None:
        return None
    plain = value.as_dict() if hasattr(value, "as_dict") else dict(value)
    return {key: int(item) if isinstance(item, float) and item.is_integer() else item for key, item in plain.items()}


def _live(delivery: Delivery | None, now: datetime | None = None) -> Delivery | None:
    """None for a delivery past its retention: DynamoDB's TTL deletes it within days, not at once."""
    if delivery is None or (delivery.expires_at is not None and delivery.expires_at <= (now or clock.now())):
        return None
    return delivery


def get(delivery_id: str) -> Delivery | None:
    try:
        return _live(_record(DeliveryModel.get(delivery_id, consistent_read=True)))
    except DeliveryModel.DoesNotExist:
        return None


def create(delivery: Delivery) -> bool:
    """The delivery and its merchant's counts, in one transaction: a second create of the same
    id fails its condition and counts nothing."""
    tx = Transaction()
    tx.save("delivery", row(DeliveryModel, delivery), DeliveryModel.id.does_not_exist())
    counters.add(tx, Deltas().delivery_created(delivery.merchant_id, delivery.id, delivery.event, delivery.status))
    return not tx.commit()


def _awaiting(delivery_id: str, due_ms: int | None) -> list[Action]:
    """The awaiting index's keys after a write: due at `due_ms` while pending, none once final."""
    if due_ms is None:
        return [DeliveryModel.awaiting_shard.remove(), DeliveryModel.awaiting_due.remove()]
    return [DeliveryModel.awaiting_shard.set(awaiting_key(delivery_id)), DeliveryModel.awaiting_due.set(due_ms)]


def record_attempt(
    delivery: Delivery, attempt: dict[str, Any], status: str, next_retry_at: str | None, creating: bool = False
) -> bool:
    """Record attempt `delivery.attempts + 1` in one write, conditioned on the delivery being
    where the message that made the attempt saw it: pending, of its generation, with its number
    of attempts (or, `creating`, absent). False when a manual retry, a replay or a duplicate
    message got there first: the attempt is not recorded, nothing is counted twice."""
    number = delivery.attempts + 1
    if creating:
        created = replace(
            delivery,
            attempts=number,
            status=status,
            next_retry_at=next_retry_at,
            last_attempt_at=attempt["at"],
            response_code=attempt.get("response_code"),
            attempt_log=(),
        )
        model = row(DeliveryModel, created)
        setattr(model, SLOTS[rules.slot(number)], attempt)
        tx = Transaction()
        tx.save("delivery", model, DeliveryModel.id.does_not_exist())
        counters.add(tx, Deltas().delivery_created(delivery.merchant_id, delivery.id, delivery.event, status))
        return not tx.commit()
    slot = getattr(DeliveryModel, SLOTS[rules.slot(number)])
    actions = [
        DeliveryModel.attempts.set(number),
        slot.set(attempt),
        DeliveryModel.status.set(status),
        DeliveryModel.merchant_status_shard.set(status_key(delivery.merchant_id, status, delivery.id)),
        DeliveryModel.last_attempt_at.set(attempt["at"]),
        DeliveryModel.next_retry_at.set(next_retry_at) if next_retry_at else DeliveryModel.next_retry_at.remove(),
        DeliveryModel.response_code.set(attempt["response_code"])
        if attempt.get("response_code") is not None
        else DeliveryModel.response_code.remove(),
        *_awaiting(delivery.id, None if status != rules.PENDING else epoch_ms(next_retry_at or attempt["at"])),
    ]
    condition = (
        (DeliveryModel.status == rules.PENDING)
        & (DeliveryModel.generation == delivery.generation)
        & (DeliveryModel.attempts == delivery.attempts)
    )
    moved = Deltas().delivery_moved(delivery.merchant_id, delivery.id, delivery.event, rules.PENDING, status)
    return _update(DeliveryModel(delivery.id), actions, condition, moved)


def mark_skipped(merchant_id: str, delivery_id: str, event: str, generation: int, reason: str) -> bool:
    return _update(
        DeliveryModel(delivery_id),
        [
            DeliveryModel.status.set(rules.SKIPPED),
            DeliveryModel.merchant_status_shard.set(status_key(merchant_id, rules.SKIPPED, delivery_id)),
            DeliveryModel.skip_reason.set(reason),
            *_awaiting(delivery_id, None),
        ],
        (DeliveryModel.status == rules.PENDING) & (DeliveryModel.generation == generation),
        Deltas().delivery_moved(merchant_id, delivery_id, event, rules.PENDING, rules.SKIPPED),
    )


def reset_for_retry(delivery: Delivery, generation: int) -> bool:
    """A manual retry or replay: the retry schedule starts again under `generation` (attempt
    numbers go on); False if another retry won, or the status or attempts changed since
    `delivery` was read (the caller reads again and retries). It waits again from now in the
    awaiting index."""
    now_ms = epoch_ms(clock.now_iso())
    return _update(
        DeliveryModel(delivery.id),
        [
            DeliveryModel.status.set(rules.PENDING),
            DeliveryModel.merchant_status_shard.set(status_key(delivery.merchant_id, rules.PENDING, delivery.id)),
            DeliveryModel.round_start.set(delivery.attempts),
            DeliveryModel.generation.set(generation),
            DeliveryModel.next_retry_at.remove(),
            DeliveryModel.skip_reason.remove(),
            *_awaiting(delivery.id, now_ms),
        ],
        (DeliveryModel.generation == generation - 1)
        & (DeliveryModel.status == delivery.status)
        & (DeliveryModel.attempts == delivery.attempts),
        Deltas().delivery_moved(delivery.merchant_id, delivery.id, delivery.event, delivery.status, rules.PENDING),
    )


def _update(
    model: DeliveryModel, actions: Sequence[Action], condition: Condition, counted: Deltas | None = None
) -> bool:
    """One conditional update; with counts to move (a status change), in one transaction."""
    if counted is None or not counted.items():
        return written(lambda: model.update(actions=list(actions), condition=condition))
    tx = Transaction()
    tx.update("delivery", model, actions, condition)
    counters.add(tx, counted)
    return not tx.commit()


def _endpoint_is(merchant_id: str, endpoint_id: str) -> Condition:
    """Deliveries recorded before endpoints carry no endpoint_id: they are the default endpoint's."""
    mine = DeliveryModel.endpoint_id == endpoint_id
    return mine | DeliveryModel.endpoint_id.does_not_exist() if is_default(merchant_id, endpoint_id) else mine


def _unexpired() -> Condition:
    """Retention enforced in reads: an expired delivery that TTL has not removed yet is absent."""
    return DeliveryModel.expires_at.does_not_exist() | (DeliveryModel.expires_at > clock.now())


def _filters(merchant_id: str, event: str | None, endpoint_id: str | None) -> Condition:
    conditions = [
        _unexpired(),
        *([DeliveryModel.event == event] if event else []),
        *([_endpoint_is(merchant_id, endpoint_id)] if endpoint_id else []),
    ]
    return reduce(and_, conditions)


def _index(merchant_id: str, status: str | None) -> tuple[Any, list[str]]:
    if status:
        return DeliveryModel.by_merchant_status, status_keys(merchant_id, status)
    return DeliveryModel.by_merchant, merchant_keys(merchant_id)


def list_for_merchant(
    merchant_id: str,
    page: PageRequest,
    status: str | None = None,
    event: str | None = None,
    endpoint_id: str | None = None,
    created_from: str | None = None,
    created_to: str | None = None,
) -> Page[Delivery]:
    """Status is a key condition (the status index), and so is the (inclusive) time range; event
    and endpoint are filters over what the index returns, so their cost grows with the deliveries
    they read past. No counter exists per endpoint or time range: those lists have no total."""
    index, keys = _index(merchant_id, status)
    exact = not (endpoint_id or created_from or created_to)
    total = counters.total(merchant_id, WEBHOOKS, delivery_attribute(status, event)) if exact else None
    condition = _filters(merchant_id, event, endpoint_id)
    return newest_first(
        Delivery, index, keys, page, total, created_from, created_to, filter_condition=condition, build=_record
    )


def count_for_merchant(
    merchant_id: str,
    since: str,
    until: str,
    status: str | None = None,
    event: str | None = None,
    endpoint_id: str | None = None,
) -> int:
    """The merchant's deliveries created in [since, until) that match: counted on the index, by
    key condition and filter, never a Scan."""
    index, keys = _index(merchant_id, status)
    # A key condition holds one comparison per key, and times are whole milliseconds
    # (domain/clock.py): [since, until) is [since, until - 1 ms].
    last = clock.iso(clock.parse_iso(until) - timedelta(milliseconds=1))
    in_range = DeliveryModel.created_at.between(since, last)
    return count_matching(index, keys, in_range, _filters(merchant_id, event, endpoint_id))


def events_after(
    merchant_id: str, position: tuple[str, str] | None, until: str, limit: int, default_endpoint: str
) -> list[Delivery]:
    """The merchant's events (its default endpoint's deliveries: each event's own item) created
    after `position` (a created_at and id, excluded) and at or before `until`, oldest first, at
    most `limit`. Each shard is read oldest first from the position's time and the reads are
    merged; items tied with the position's time are kept only when their id sorts after it.
    A shard's read takes `limit` items, and any more tied with the last one's time."""
    after_time, after_id = position or ("", "")
    if after_time > until:
        return []  # a position past the horizon (the caller's clock moved back): nothing yet
    in_range = DeliveryModel.created_at.between(after_time, until) if after_time else DeliveryModel.created_at <= until
    condition = _unexpired() & _endpoint_is(merchant_id, default_endpoint)

    def later(item: Delivery) -> bool:
        return (item.created_at, item.id) > (after_time, after_id)

    def read(hash_key: str) -> list[Delivery]:
        query = DeliveryModel.by_merchant.query(
            hash_key,
            range_key_condition=in_range,
            filter_condition=condition,
            scan_index_forward=True,
            page_size=max(limit, FILTERED_READ),
        )
        # The index orders items by created_at only: all those tied with the last one taken are
        # read too, so that the merge can order the tie by id.
        taken: list[Delivery] = []
        for item in filter(later, map(_record, query)):
            if len(taken) >= limit and item.created_at != taken[-1].created_at:
                break
            taken.append(item)
        return taken

    shards = list(_pool().map(read, merchant_keys(merchant_id)))
    return sorted((item for shard in shards for item in shard), key=lambda d: (d.created_at, d.id))[:limit]
