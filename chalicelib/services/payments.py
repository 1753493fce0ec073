"""Payments: creation, asynchronous processing, capture and reads."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from .. import queues
from ..config import settings
from ..domain import audit as audit_rules
from ..domain import clock, delays, events
from ..domain import payments as rules
from ..domain.errors import BadRequest, IdempotencyKeyReused, NotFound
from ..domain.ids import derived_id, new_id
from ..faults import fault_point
from ..jobs.outcomes import Finished, RetryAfter
from ..store import store
from ..store.records import Delivery, Finalized, Merchant, Order, Payment
from . import audit, entities, orders, payment_jobs, webhook_events
from .after_commit import enqueue_after_commit
from .listing import PER_MERCHANT, PER_PARENT, Listing, paging


@dataclass(frozen=True)
class PaymentRequest:
    """A validated request: the card number itself is gone, only what may be kept remains."""

    order_id: str
    method: str
    vpa: str | None = None
    card_network: str | None = None
    card_last4: str | None = None
    card_holder_name: str | None = None
    instrument: str | None = None  # a test instrument's fingerprint, see domain.payments
    card_mac: str | None = None  # the card's keyed MAC (services/card_macs.py)
    notes: dict[str, str] | None = None  # Razorpay's payment notes (/v1 S2S payments)


MISSING_PAYMENT_GRACE_SECONDS = 60


def _new_payment(merchant_id: str, payment_id: str, order: Order, request: PaymentRequest) -> Payment:
    now = clock.now()
    delay_ms = delays.simulated_delay_ms(
        settings().test_mode, settings().test_processing_delay_ms, rules.LIVE_DELAY_RANGE_MS
    )
    return Payment(
        id=payment_id,
        merchant_id=merchant_id,
        order_id=order.id,
        amount=order.amount,
        currency=order.currency,
        method=request.method,
        vpa=request.vpa,
        card_network=request.card_network,
        card_last4=request.card_last4,
        card_holder_name=request.card_holder_name,
        instrument=request.instrument,
        card_mac=request.card_mac,
        status=rules.PENDING,
        captured=False,
        amount_refunded=0,
        process_after_ms=int(now.timestamp() * 1000) + delay_ms,
        auto_capture=order.payment_capture,
        notes=dict(request.notes or {}),
        created_at=clock.iso(now),
        updated_at=clock.iso(now),
    )


def _creation_events(payment: Payment) -> list[Delivery]:
    entity = entities.payment(payment)
    when = clock.parse_iso(payment.created_at)
    return [
        webhook_events.event_record(payment.merchant_id, kind, "payment", entity, when)
        for kind in (events.PAYMENT_CREATED, events.PAYMENT_PENDING)
    ]


def enqueue_processing(payment: Payment, announce: list[Delivery] | None = None) -> None:
    """(Re)queue a pending payment's processing job, due when the simulated bank answers. Events
    in `announce` ride along in the same SendMessageBatch, in a message due now: their webhooks
    never wait for the bank (docs/decisions.md, "A lean payment lifecycle")."""
    delay = delays.whole_seconds(payment.process_after_ms - int(time.time() * 1000))
    deliveries = [webhook_events.job(record, record.generation) for record in announce or []]
    if not deliveries:
        queues.send(queues.PAYMENT_JOBS, payment_jobs.processing(payment), delay_seconds=delay)
    elif delay == 0:
        queues.send(queues.PAYMENT_JOBS, payment_jobs.processing(payment, deliveries))
    else:
        jobs = [payment_jobs.announcement(payment.id, deliveries), payment_jobs.processing(payment)]
        queues.send_many(queues.PAYMENT_JOBS, jobs, delays=[0, delay])


def _same_request(existing: Payment, request: PaymentRequest) -> bool:
    """Whether the payment a key created is the one `request` asks for. The amount and currency
    are the order's. A payment from before card MACs were kept is compared by what it has."""
    return (
        existing.order_id == request.order_id
        and existing.method == request.method
        and existing.vpa == request.vpa
        and existing.card_network == request.card_network
        and existing.card_last4 == request.card_last4
        and existing.card_holder_name == request.card_holder_name
        and (existing.card_mac is None or existing.card_mac == request.card_mac)
    )


def _created_under_key(merchant_id: str, payment_id: str, request: PaymentRequest) -> Payment | None:
    """The payment an earlier attempt with this key wrote, when it is this request's; None when
    there is none (or only one from a key that expired since); IdempotencyKeyReused when the key
    made another payment, which is never answered in place of this one."""
    existing = store().payments.get(payment_id)
    expired = timedelta(seconds=settings().idempotency_ttl_seconds)
    if (
        existing is None
        or existing.merchant_id != merchant_id
        or clock.parse_iso(existing.created_at) < clock.now() - expired
    ):
        return None
    if not _same_request(existing, request):
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request", "Idempotency-Key")
    return existing


def _finish_earlier_attempt(existing: Payment) -> Payment:
    """The first attempt with this key may have crashed after writing: finish its remaining steps."""
    created = [events.event_id(existing.id, kind) for kind in (events.PAYMENT_CREATED, events.PAYMENT_PENDING)]
    enqueue_after_commit("event", existing.id, lambda: webhook_events.dispatch_if_unattempted(created))
    if existing.status == rules.PENDING:
        enqueue_after_commit("payment", existing.id, lambda: enqueue_processing(existing))
    return existing


def create(merchant_id: str, request: PaymentRequest, idempotency_key: str | None = None) -> Payment:
    order = orders.owned(merchant_id, request.order_id, field="order_id")
    payment_id = derived_id("pay", merchant_id, idempotency_key) if idempotency_key else new_id("pay")
    if order.status == orders.PAID:
        # A retry of the request that paid it (or of another one) gets its payment, not a refusal.
        earlier = _created_under_key(merchant_id, payment_id, request) if idempotency_key else None
        if earlier is None:
            raise BadRequest("Order has already been paid", "order_id")
        return _finish_earlier_attempt(earlier)
    payment = _new_payment(merchant_id, payment_id, order, request)
    records = _creation_events(payment)
    if store().payments.create_with_events(payment, records):
        fault_point("api.payment_written", payment_id)
        enqueue_after_commit("payment", payment.id, lambda: enqueue_processing(payment, announce=records))
        return payment
    existing = _created_under_key(merchant_id, payment_id, request)
    if existing is None:
        # The key was used long ago and its record expired: this is a new payment.
        return create(merchant_id, request, None)
    return _finish_earlier_attempt(existing)


def handle_job(job: dict[str, Any], message_age_seconds: float) -> Finished | RetryAfter:
    """One message of the payment function (payment_jobs): queue the events it carries, then
    process the payment, from the copy it carries where it has one."""
    message = payment_jobs.read(job)
    if message.deliveries:
        # Blindly: the message is sent once, after the events were saved; a redelivery (after a
        # crash or a refused send) queues them again, and a duplicate delivery job is harmless.
        webhook_events.dispatch_jobs(message.deliveries)
    if not message.process:
        return Finished("announced")
    return process(message.payment_id, message_age_seconds, message.carried)


def _missing(message_age_seconds: float) -> Finished | RetryAfter:
    # The job can only outrun the write that precedes it by moments; after that it is stray.
    return RetryAfter(1) if message_age_seconds < MISSING_PAYMENT_GRACE_SECONDS else Finished("missing")


def process(payment_id: str, message_age_seconds: float, carried: Payment | None = None) -> Finished | RetryAfter:
    """The payment function's work for one job; safe to run any number of times. `carried` is
    the pending payment as its job carried it: it saves a read, and finalizing it is conditional
    on the payment being pending still, so a copy that is no longer current changes nothing."""
    payment = carried if carried is not None and carried.id == payment_id else store().payments.get(payment_id)
    if payment is None:
        return _missing(message_age_seconds)
    fault_point("payment.after_load", payment_id)
    if payment.status == rules.PENDING:
        wait_ms = payment.process_after_ms - int(time.time() * 1000)
        if wait_ms > 500:
            return RetryAfter(math.ceil(wait_ms / 1000))
        outcome = rules.decide_outcome(
            payment.method, payment.instrument, settings().test_mode, settings().test_payment_success
        )
        finalized = _finalize(payment, outcome)
        fault_point("payment.after_transition", payment_id)
        if finalized is not None:
            status, record = finalized
            webhook_events.dispatch([record])
            fault_point("payment.after_dispatch", payment_id)
            return Finished(status)
        # Final already (another delivery of this job finalized it), or, from a carried copy,
        # not written at all: what is stored decides.
        stored = store().payments.get(payment_id)
        if stored is None:
            if carried is None:
                raise RuntimeError(f"payment {payment_id} vanished")  # payments are never deleted
            return _missing(message_age_seconds)
        if stored.status == rules.PENDING and carried is not None:
            return process(payment_id, message_age_seconds)  # decide again, on the stored payment
        payment = stored
    # A redelivery after a crash: the transition and its event are saved; queue the event again
    # if its delivery never started.
    webhook_events.dispatch_if_unattempted([events.event_id(payment.id, "payment." + payment.status)])
    return Finished(payment.status)


def _finalize(payment: Payment, outcome: rules.Outcome) -> tuple[str, Delivery] | None:
    """Apply the outcome with its event: (the status it took, the event record), or None if the
    payment was final already."""
    if outcome.status == rules.SUCCESS and payment.auto_capture:
        outcome = replace(outcome, capture=True)
    for attempt in (
        outcome,
        rules.Outcome(rules.FAILED, "ORDER_ALREADY_PAID", "Another payment for this order has already succeeded"),
    ):
        now = clock.now()
        captured = {"captured": True, "captured_at": clock.iso(now), "amount_captured": payment.amount}
        entity = {
            **entities.payment(payment),
            "status": attempt.status,
            "error_code": attempt.error_code,
            "error_description": attempt.error_description,
            "updated_at": clock.iso(now),
            **(captured if attempt.capture else {}),
        }
        kind = events.PAYMENT_SUCCESS if attempt.status == rules.SUCCESS else events.PAYMENT_FAILED
        record = webhook_events.event_record(payment.merchant_id, kind, "payment", entity, now)
        result = store().payments.finalize(payment, attempt, record, clock.iso(now))
        if result is Finalized.DONE:
            return attempt.status, record
        if result is not Finalized.ORDER_TAKEN:
            return None
    return None


def owned(merchant_id: str, payment_id: str) -> Payment:
    payment = store().payments.get(payment_id)
    if payment is None or payment.merchant_id != merchant_id:
        raise NotFound("Payment not found", "id")
    return payment


def capture(
    merchant_id: str,
    payment_id: str,
    amount: int,
    currency: str | None = None,
    *,
    actor: audit.Actor,
    merchant: Merchant | None = None,
) -> dict[str, Any]:
    """Razorpay's rule (domain/payments.capture_error), checked on a read, then made the write's
    condition: a refund or capture that lands between the two makes the write fail. With the
    caller's `merchant` (the API's captures), its `razorpay`-format webhook endpoints are told,
    in the same transaction (services/razorpay_webhooks.capture_records)."""
    # Imported here: it reads the order's payments through this module.
    from . import razorpay_webhooks

    payment = owned(merchant_id, payment_id)
    problem = rules.capture_error(
        payment.status, payment.captured, payment.amount_refunded, payment.amount, payment.currency, amount, currency
    )
    if problem:
        raise BadRequest(*problem)
    at = clock.now()
    now = clock.iso(at)
    summary = audit_rules.capture_summary(payment.amount, payment.currency)
    entry = audit.entry(merchant_id, actor, audit_rules.PAYMENT_CAPTURE, payment.id, summary, at=now)
    after = replace(payment, captured=True, captured_at=now, amount_captured=payment.amount, updated_at=now)
    # The merchant read now, not the request's (authentication caches it): an endpoint added a
    # moment ago is told.
    fresh = store().merchants.get(merchant_id) if merchant is not None else None
    announced = razorpay_webhooks.capture_records(fresh, after, at) if fresh is not None else []
    captured = store().payments.capture(payment, now, entry, announced)
    if captured is None:
        raise BadRequest("Payment not in capturable state")  # a capture or a refund got there first
    if announced:
        enqueue_after_commit("event", announced[0].event_id or payment.id, lambda: webhook_events.dispatch(announced))
    return entities.payment(captured)


def list_payments(
    merchant_id: str,
    limit: int,
    offset: int,
    cursor: str | None,
    status: str | None,
    created_from: str | None,
    created_to: str | None,
) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "payments", status, created_from, created_to)
    page = store().payments.list_for_merchant(merchant_id, paged.request(), status, created_from, created_to)
    return paged.listing(page, entities.payment)


def list_for_order(merchant_id: str, order_id: str, limit: int, offset: int, cursor: str | None) -> Listing:
    orders.owned(merchant_id, order_id)
    paged = paging(limit, offset, cursor, PER_PARENT, merchant_id, "order-payments", order_id)
    return paged.listing(store().payments.list_for_order(order_id, paged.request()), entities.payment)
