"""Webhook deliveries: the event log, each delivery's attempts, and its retries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
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
from .paging import count_matching, newest_first
from .records import Delivery, Page, PageRequest
from .rows import record, row
from .transactions import Transaction

MAX_LOGGED_ATTEMPTS = 25  # keeps an item far below DynamoDB's 400 KB with 4 KB bodies


def get(delivery_id: str) -> Delivery | None:
    try:
        return record(Delivery, DeliveryModel.get(delivery_id, consistent_read=True))
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


def _owned_by(delivery: Delivery) -> Condition:
    """The write belongs to whoever read this attempt count and generation: a concurrent
    duplicate message loses the condition instead of recording the same attempt twice."""
    return (
        (DeliveryModel.attempts == delivery.attempts)
        & (DeliveryModel.generation == delivery.generation)
        & (DeliveryModel.status == rules.PENDING)
    )


def claim(delivery_id: str, generation: int, now_ms: int, lease_ms: int, due_by: str) -> Delivery | None:
    """Take the next attempt in one conditional write that also returns the record: it must be
    pending, of this generation, due (next_retry_at at most `due_by`), and not held by another
    message. None when any of that is false; the caller reads the record to see why."""
    model = DeliveryModel(delivery_id)
    condition = (
        (DeliveryModel.status == rules.PENDING)
        & (DeliveryModel.generation == generation)
        & (DeliveryModel.lease_until.does_not_exist() | (DeliveryModel.lease_until < now_ms))
        & (DeliveryModel.next_retry_at.does_not_exist() | (DeliveryModel.next_retry_at <= due_by))
    )
    if not _update(model, [DeliveryModel.lease_until.set(now_ms + lease_ms)], condition):
        return None
    return record(Delivery, model)


def record_attempt(delivery: Delivery, attempt: dict[str, Any], status: str, next_retry_at: str | None) -> bool:
    log_tail = [*list(delivery.attempt_log)[-(MAX_LOGGED_ATTEMPTS - 1) :], attempt]
    actions = [
        DeliveryModel.attempts.set(delivery.attempts + 1),
        DeliveryModel.attempt_log.set(log_tail),  # type: ignore[arg-type]  # stub wants MapAttributes; plain dicts store the same
        DeliveryModel.status.set(status),
        DeliveryModel.merchant_status_shard.set(status_key(delivery.merchant_id, status, delivery.id)),
        DeliveryModel.last_attempt_at.set(attempt["at"]),
        DeliveryModel.next_retry_at.set(next_retry_at) if next_retry_at else DeliveryModel.next_retry_at.remove(),
        DeliveryModel.response_code.set(attempt["response_code"])
        if attempt.get("response_code") is not None
        else DeliveryModel.response_code.remove(),
        DeliveryModel.lease_until.remove(),
        *_awaiting(delivery.id, None if status != rules.PENDING else epoch_ms(next_retry_at or attempt["at"])),
    ]
    # The lease taken by claim() is the proof of ownership: a duplicate cannot record this attempt.
    lease = DeliveryModel.lease_until == delivery.lease_until
    moved = Deltas().delivery_moved(delivery.merchant_id, delivery.id, delivery.event, rules.PENDING, status)
    return _update(DeliveryModel(delivery.id), actions, _owned_by(delivery) & lease, moved)


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
    """A manual retry: attempts start again under `generation`; False if another retry won, or
    the status changed since `delivery` was read (the caller reads again and retries). It waits
    again from now in the awaiting index."""
    now_ms = epoch_ms(clock.now_iso())
    return _update(
        DeliveryModel(delivery.id),
        [
            DeliveryModel.status.set(rules.PENDING),
            DeliveryModel.merchant_status_shard.set(status_key(delivery.merchant_id, rules.PENDING, delivery.id)),
            DeliveryModel.attempts.set(0),
            DeliveryModel.generation.set(generation),
            DeliveryModel.next_retry_at.remove(),
            DeliveryModel.skip_reason.remove(),
            *_awaiting(delivery.id, now_ms),
        ],
        (DeliveryModel.generation == generation - 1) & (DeliveryModel.status == delivery.status),
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


def _filters(merchant_id: str, event: str | None, endpoint_id: str | None) -> Condition | None:
    conditions = [
        *([DeliveryModel.event == event] if event else []),
        *([_endpoint_is(merchant_id, endpoint_id)] if endpoint_id else []),
    ]
    return reduce(and_, conditions) if conditions else None


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
    return newest_first(Delivery, index, keys, page, total, created_from, created_to, filter_condition=condition)


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
