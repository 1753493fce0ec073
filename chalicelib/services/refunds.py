"""Refunds: reserved atomically against the payment, processed asynchronously."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from .. import queues
from ..config import settings
from ..domain import audit as audit_rules
from ..domain import clock, delays, events
from ..domain import refunds as rules
from ..domain.errors import BadRequest, IdempotencyKeyReused, NotFound
from ..domain.ids import derived_id, new_id
from ..faults import fault_point
from ..jobs.outcomes import Finished, RetryAfter
from ..store import store
from ..store.records import Refund, Reservation
from . import audit, entities, payments, webhook_events
from .after_commit import enqueue_after_commit
from .listing import PER_MERCHANT, PER_PARENT, Listing, paging

MISSING_REFUND_GRACE_SECONDS = 60


def enqueue_processing(refund: Refund) -> None:
    """Queue the job that processes `refund`, due at its process_after (creation, and the local
    runtime's resume after a restart)."""
    wait_ms = refund.process_after_ms - int(time.time() * 1000)
    queues.send(queues.REFUND_JOBS, {"refund_id": refund.id}, delay_seconds=delays.whole_seconds(wait_ms))


def keyed_id(merchant_id: str, idempotency_key: str) -> str:
    """The id of the refund a request with this key creates: a retry finds the first attempt's."""
    return derived_id("rfnd", merchant_id, idempotency_key)


def made_under_key(merchant_id: str, payment_id: str, idempotency_key: str) -> Refund | None:
    """The refund of this payment an earlier request with this key wrote, if any."""
    existing = store().refunds.get(keyed_id(merchant_id, idempotency_key))
    if existing is None or existing.merchant_id != merchant_id or existing.payment_id != payment_id:
        return None
    return existing


def _created_under_key(
    merchant_id: str, refund_id: str, payment_id: str, amount: int, reason: str | None, notes: dict[str, str] | None
) -> Refund | None:
    """The refund an earlier attempt with this key wrote, when it is this request's; None when
    there is none (or only one from a key that expired since); IdempotencyKeyReused when the key
    made another refund (another payment, amount, reason or notes), never answered in place of this one."""
    existing = store().refunds.get(refund_id)
    if existing is None or existing.merchant_id != merchant_id:
        return None
    if clock.parse_iso(existing.created_at) < clock.now() - timedelta(seconds=settings().idempotency_ttl_seconds):
        return None
    asked = (payment_id, amount, reason, dict(notes or {}))
    if (existing.payment_id, existing.amount, existing.reason, dict(existing.notes or {})) != asked:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request", "Idempotency-Key")
    return existing


def _finish_earlier_attempt(existing: Refund) -> dict[str, Any]:
    """The first attempt with this key may have crashed after writing: finish its steps."""
    created = [events.event_id(existing.id, events.REFUND_CREATED)]
    enqueue_after_commit("event", existing.id, lambda: webhook_events.dispatch_if_unattempted(created))
    if existing.status == rules.PENDING:
        enqueue_after_commit("refund", existing.id, lambda: enqueue_processing(existing))
    return entities.refund(existing)


def create(
    merchant_id: str,
    payment_id: str,
    amount: int,
    reason: str | None,
    idempotency_key: str | None = None,
    notes: dict[str, str] | None = None,
    *,
    actor: audit.Actor,
    speed: str | None = None,
) -> dict[str, Any]:
    """`speed` is Razorpay's (the /v1 face): kept as asked, every refund is processed alike."""
    payment = payments.owned(merchant_id, payment_id)
    refund_id = keyed_id(merchant_id, idempotency_key) if idempotency_key else new_id("rfnd")
    problem = rules.refund_error(payment.status, payment.amount, payment.amount_refunded, amount)
    if problem:
        # A retry of a refund that committed (and, say, used up the amount) gets that refund.
        earlier = (
            _created_under_key(merchant_id, refund_id, payment_id, amount, reason, notes) if idempotency_key else None
        )
        if earlier is None:
            raise BadRequest(problem, "amount" if "amount" in problem else None)
        return _finish_earlier_attempt(earlier)
    now = clock.now()
    delay_ms = delays.simulated_delay_ms(
        settings().test_mode, settings().test_processing_delay_ms, rules.LIVE_DELAY_RANGE_MS
    )
    refund = Refund(
        id=refund_id,
        merchant_id=merchant_id,
        payment_id=payment.id,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        status=rules.PENDING,
        process_after_ms=int(now.timestamp() * 1000) + delay_ms,
        created_at=clock.iso(now),
        notes=dict(notes or {}),
        speed_requested=speed,
    )
    record = webhook_events.event_record(merchant_id, events.REFUND_CREATED, "refund", entities.refund(refund), now)
    summary = audit_rules.refund_summary(amount, payment.currency, payment.id)
    entry = audit.entry(merchant_id, actor, audit_rules.REFUND_CREATE, refund_id, summary, at=refund.created_at)
    result = store().refunds.create_with_event(payment, refund, record, entry)
    if result is Reservation.REFUSED:
        # The condition saw a newer state than our read: explain it from a fresh read.
        fresh = store().payments.get(payment.id)
        problem = (
            rules.refund_error(fresh.status, fresh.amount, fresh.amount_refunded, amount) if fresh is not None else None
        )
        raise BadRequest(problem or "Refund amount exceeds available amount", "amount")
    if result is Reservation.EXISTS:
        existing = _created_under_key(merchant_id, refund_id, payment_id, amount, reason, notes)
        if existing is None:
            if store().refunds.get(refund_id) is None:
                raise RuntimeError(f"refund {refund_id} vanished")  # refunds are never deleted
            # A key reused after it expired.
            return create(merchant_id, payment_id, amount, reason, None, notes, actor=actor, speed=speed)
        return _finish_earlier_attempt(existing)
    enqueue_after_commit("event", record.id, lambda: webhook_events.dispatch([record]))
    enqueue_after_commit("refund", refund.id, lambda: enqueue_processing(refund))
    return entities.refund(refund)


def process(refund_id: str, message_age_seconds: float) -> Finished | RetryAfter:
    refund = store().refunds.get(refund_id)
    if refund is None:
        return RetryAfter(1) if message_age_seconds < MISSING_REFUND_GRACE_SECONDS else Finished("missing")
    fault_point("refund.after_load", refund_id)
    if refund.status == rules.PENDING:
        wait_ms = refund.process_after_ms - int(time.time() * 1000)
        if wait_ms > 500:
            return RetryAfter(math.ceil(wait_ms / 1000))
        now = clock.now()
        entity = {**entities.refund(refund), "status": rules.PROCESSED, "processed_at": clock.iso(now)}
        record = webhook_events.event_record(refund.merchant_id, events.REFUND_PROCESSED, "refund", entity, now)
        transitioned = store().refunds.finalize(refund, record, clock.iso(now))
        fault_point("refund.after_transition", refund_id)
        if transitioned:
            webhook_events.dispatch([record])
            fault_point("refund.after_dispatch", refund_id)
            return Finished(rules.PROCESSED)
    webhook_events.dispatch_if_unattempted([events.event_id(refund.id, events.REFUND_PROCESSED)])
    return Finished(rules.PROCESSED)


def _owned(merchant_id: str, refund_id: str) -> Refund:
    refund = store().refunds.get(refund_id)
    if refund is None or refund.merchant_id != merchant_id:
        raise NotFound("Refund not found", "id")
    return refund


def get(merchant_id: str, refund_id: str, payment_id: str | None = None) -> dict[str, Any]:
    refund = _owned(merchant_id, refund_id)
    if payment_id is not None and refund.payment_id != payment_id:
        raise NotFound("Refund not found", "refund_id")
    return entities.refund(refund)


def list_refunds(merchant_id: str, limit: int, offset: int, cursor: str | None) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "refunds")
    return paged.listing(store().refunds.list_for_merchant(merchant_id, paged.request()), entities.refund)


def list_for_payment(merchant_id: str, payment_id: str, limit: int, offset: int, cursor: str | None) -> Listing:
    payments.owned(merchant_id, payment_id)
    paged = paging(limit, offset, cursor, PER_PARENT, merchant_id, "payment-refunds", payment_id)
    return paged.listing(store().refunds.list_for_payment(payment_id, paged.request()), entities.refund)
