"""Webhook deliveries: the event log, each delivery's attempts, and its retries."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from ..domain import deliveries as rules
from .conditions import is_conditional_failure
from .models import DeliveryModel
from .paging import Page, newest_first

MAX_LOGGED_ATTEMPTS = 25  # keeps an item far below DynamoDB's 400 KB with 4 KB bodies


def new(
    delivery_id: str, merchant_id: str, event: str, entity_id: str, timestamp: int, payload: str, created_at: str
) -> DeliveryModel:
    return DeliveryModel(
        delivery_id,
        merchant_id=merchant_id,
        event=event,
        entity_id=entity_id,
        timestamp=timestamp,
        payload=payload,
        status=rules.PENDING,
        attempts=0,
        generation=0,
        attempt_log=[],
        created_at=created_at,
    )


def get(delivery_id: str) -> DeliveryModel | None:
    try:
        return DeliveryModel.get(delivery_id, consistent_read=True)
    except DeliveryModel.DoesNotExist:
        return None


def _owned_by(delivery: DeliveryModel):
    """The write belongs to whoever read this attempt count and generation: a concurrent
    duplicate message loses the condition instead of recording the same attempt twice."""
    return (
        (DeliveryModel.attempts == int(delivery.attempts))
        & (DeliveryModel.generation == int(delivery.generation))
        & (DeliveryModel.status == rules.PENDING)
    )


def claim(delivery_id: str, generation: int, now_ms: int, lease_ms: int, due_by: str) -> DeliveryModel | None:
    """Take the next attempt in one conditional write that also returns the record: it must be
    pending, of this generation, due (next_retry_at at most `due_by`), and not held by another
    message. None when any of that is false; the caller reads the record to see why."""
    delivery = DeliveryModel(delivery_id)
    condition = (
        (DeliveryModel.status == rules.PENDING)
        & (DeliveryModel.generation == generation)
        & (DeliveryModel.lease_until.does_not_exist() | (DeliveryModel.lease_until < now_ms))
        & (DeliveryModel.next_retry_at.does_not_exist() | (DeliveryModel.next_retry_at <= due_by))
    )
    if not _conditional_update(delivery, [DeliveryModel.lease_until.set(now_ms + lease_ms)], condition):
        return None
    return delivery


def record_attempt(delivery: DeliveryModel, attempt: dict, status: str, next_retry_at: str | None) -> bool:
    log_tail = list(delivery.attempt_log or [])[-(MAX_LOGGED_ATTEMPTS - 1) :] + [attempt]
    actions = [
        DeliveryModel.attempts.set(int(delivery.attempts) + 1),
        DeliveryModel.attempt_log.set(log_tail),
        DeliveryModel.status.set(status),
        DeliveryModel.last_attempt_at.set(attempt["at"]),
        DeliveryModel.next_retry_at.set(next_retry_at) if next_retry_at else DeliveryModel.next_retry_at.remove(),
        DeliveryModel.response_code.set(attempt["response_code"])
        if attempt.get("response_code") is not None
        else DeliveryModel.response_code.remove(),
        DeliveryModel.lease_until.remove(),
    ]
    # The lease taken by claim() is the proof of ownership: a duplicate cannot record this attempt.
    return _conditional_update(
        delivery, actions, _owned_by(delivery) & (DeliveryModel.lease_until == int(delivery.lease_until))
    )


def mark_skipped(delivery_id: str, generation: int, reason: str) -> bool:
    return _conditional_update(
        DeliveryModel(delivery_id),
        [DeliveryModel.status.set(rules.SKIPPED), DeliveryModel.skip_reason.set(reason)],
        (DeliveryModel.status == rules.PENDING) & (DeliveryModel.generation == generation),
    )


def reset_for_retry(delivery: DeliveryModel, generation: int) -> bool:
    """A manual retry: attempts start again under `generation`; False if another retry won."""
    return _conditional_update(
        delivery,
        [
            DeliveryModel.status.set(rules.PENDING),
            DeliveryModel.attempts.set(0),
            DeliveryModel.generation.set(generation),
            DeliveryModel.next_retry_at.remove(),
            DeliveryModel.skip_reason.remove(),
        ],
        DeliveryModel.generation == generation - 1,
    )


def _conditional_update(delivery: DeliveryModel, actions: list, condition) -> bool:
    try:
        delivery.update(actions=actions, condition=condition)
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def list_for_merchant(
    merchant_id: str, limit: int, offset: int, status: str | None = None, event: str | None = None
) -> Page:
    condition = None
    if status:
        condition = DeliveryModel.status == status
    if event:
        condition = (DeliveryModel.event == event) if condition is None else condition & (DeliveryModel.event == event)
    return newest_first(DeliveryModel.by_merchant, merchant_id, limit, offset, None, condition)
