"""The delivery engine: one attempt per message, recorded in one conditional write.

A message carries everything its attempt needs, the payload included (webhook_events.job), so
an attempt reads nothing but its batch's merchants (one BatchGetItem per batch, endpoints
included): POST, then one write that records the attempt under the condition that the delivery
is still where the message saw it (pending, same generation, same number of attempts). There is
no claim and no lease: while an attempt runs, its message is invisible to every other consumer
(the queue's visibility timeout outlives the function's, which outlives the attempt's deadline),
so two POSTs of one delivery only overlap off the normal path (docs/decisions.md, "One write per
attempt"). A message that lost its place (a manual retry or replay bumped the generation, or a
redelivered duplicate recorded its attempt first) loses the condition: Finished("superseded"),
nothing counted twice.

A failed attempt with attempts left sends a new message, due at its retry time; a message that
arrives before its due time is sent again with the remaining delay, without reading anything.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .. import metrics, queues
from ..config import settings
from ..domain import chaos as chaos_rules
from ..domain import clock, razorpay, retry
from ..domain import deliveries as rules
from ..domain.endpoints import (
    DELIVERY_PREFIX,
    DISABLED_FAILING,
    DISABLED_GONE,
    Endpoint,
    delivery_id,
    is_default,
    is_razorpay,
    takes,
)
from ..domain.events import WEBHOOK_TEST
from ..domain.ids import derived_id
from ..domain.signing import razorpay_headers, signed_headers
from ..faults import fault_point
from ..jobs.outcomes import Finished, RetryAfter
from ..logs import logger
from ..store import store
from ..store.records import Delivery, Merchant
from . import razorpay_webhooks, webhook_endpoints, webhook_events
from .webhook_http import Observation, post
from .webhook_receipts import IN_FLIGHT, key_of, receipts

EARLY_WAKE_TOLERANCE_SECONDS = 0.5
WAITING, SUPERSEDED, RETRYING = "waiting", "superseded", "retrying"
NO_ENDPOINT, NOT_SUBSCRIBED, ENDPOINT_DISABLED = "no_webhook_url", "not_subscribed", "endpoint_disabled"
CHAOS_HELD = "chaos_held"
_chaos_rng = random.Random()  # chaos mode's draws where the caller gives no (seeded) source


def read_merchants(jobs: list[dict[str, Any]]) -> dict[str, Merchant]:
    """The merchants of a batch of delivery jobs, read once for the batch: fresh enough that a
    changed URL or secret applies to the next batch, and one call instead of one per record."""
    return store().merchants.get_many({job["merchant_id"] for job in jobs})


def endpoints_of(merchant: Merchant | None) -> list[Endpoint]:
    """The merchant's endpoints with a URL, as the batch's read found them."""
    return [endpoint for endpoint in merchant.webhook_endpoints if endpoint.url] if merchant else []


def deliver(
    job: dict[str, Any],
    message_age_seconds: float,
    merchants_read: dict[str, Merchant] | None = None,
    rng: random.Random | None = None,
) -> Finished | RetryAfter:
    """One message: wait for its due time, fan the event out (its first message), then make the
    attempt and record it. `merchants_read`: see read_merchants; without it the merchant is read
    now. `rng` draws the retry jitter (seeded in tests)."""
    if "payload" not in job:
        return _from_older_message(job, message_age_seconds, merchants_read, rng)
    due_at = job.get("due_at")
    if due_at:
        early = (clock.parse_iso(due_at) - clock.now()).total_seconds()
        if early > EARLY_WAKE_TOLERANCE_SECONDS:
            # Sent again with the remaining delay rather than hidden: a delayed message is not
            # in flight, so long waits never count against SQS's in-flight limit (120,000).
            queues.send(queues.WEBHOOK_DELIVERIES, job, delay_seconds=math.ceil(early))
            return Finished(WAITING)
    key = key_of(job)
    seen_here = receipts.begin(key)
    if seen_here == IN_FLIGHT:
        # Received again while this process still makes the attempt: back once that has had
        # its deadline, then retired as done (services/webhook_receipts.py).
        return RetryAfter(math.ceil(settings().webhook_timeout_seconds) + 1)
    if seen_here is not None:
        return Finished(SUPERSEDED)  # made here already: its outcome is recorded or queued
    finished = False
    try:
        outcome = _deliver(job, merchants_read, rng)
        # A message chaos held back comes again under the same key: its attempt is still to make.
        finished = outcome != Finished(CHAOS_HELD)
        return outcome
    finally:
        receipts.end(key, finished)
        if finished:
            # Its fan-out or its next attempt's message may yet be refused at the batch's flush:
            # then the redelivered message must do that work again, not retire as done here.
            queues.if_unsent(lambda: receipts.forget(key))


def _deliver(
    job: dict[str, Any], merchants_read: dict[str, Merchant] | None, rng: random.Random | None
) -> Finished | RetryAfter:
    merchant = (
        merchants_read.get(job["merchant_id"])
        if merchants_read is not None
        else store().merchants.get(job["merchant_id"])
    )
    endpoints = endpoints_of(merchant)
    delivery = webhook_events.delivery_of(job)
    if job.get("fan_out") and delivery.event != WEBHOOK_TEST:
        _fan_out(delivery, endpoints)
    endpoint = next((candidate for candidate in endpoints if candidate.id == delivery.endpoint_id), None)
    creating = _created_by_first_attempt(delivery)
    if merchant is None or endpoint is None:
        return _skip(delivery, NO_ENDPOINT, creating)
    if not endpoint.enabled:
        return _skip(delivery, ENDPOINT_DISABLED, creating)
    if not takes(endpoint, delivery.event):
        return _skip(delivery, NOT_SUBSCRIBED, creating)
    chaos = _chaos_of(endpoint, delivery)
    held = tuple(str(why) for why in job.get("chaos_held", ()))
    if chaos is not None and "chaos_held" not in job:
        seconds, why = chaos_rules.hold_seconds(chaos, rng or _chaos_rng)
        if seconds > 0:
            return _hold(job, seconds, why)
    return _attempt(delivery, merchant, endpoint, creating, rng, chaos, held)


def _chaos_of(endpoint: Endpoint, delivery: Delivery) -> chaos_rules.Chaos | None:
    """The endpoint's chaos settings when chaos may touch this attempt: only where the stage
    allows chaos (an endpoint keeps its settings if a stage turns it off; they then do nothing)."""
    if not settings().chaos_enabled or not chaos_rules.applies(endpoint.chaos, delivery.generation, delivery.attempts):
        return None
    return endpoint.chaos


def _hold(job: dict[str, Any], seconds: int, why: tuple[str, ...]) -> Finished:
    """Chaos holds the first message back: sent again, due in `seconds`, marked so that it is not
    held twice and that its attempt is logged as chaos's. It fanned out already: not again."""
    due = clock.now() + timedelta(seconds=seconds)
    message = {**job, "due_at": clock.iso(due), "chaos_held": list(why)}
    message.pop("fan_out", None)
    queues.send(queues.WEBHOOK_DELIVERIES, message, delay_seconds=min(seconds, queues.MAX_DELAY_SECONDS))
    return Finished(CHAOS_HELD)


def _created_by_first_attempt(delivery: Delivery) -> bool:
    """A delivery to another endpoint than the default one has no item until its first attempt
    (a manual retry's messages, of a later generation, find it)."""
    return (
        not is_default(delivery.merchant_id, delivery.endpoint_id or "")
        and delivery.generation == 0
        and (delivery.attempts == 0)
    )


def _fan_out(event: Delivery, endpoints: list[Endpoint]) -> None:
    """Queue the event's delivery to each of the merchant's other enabled endpoints that takes
    it, through the batch's held sends. Their ids derive from the event and the endpoint, so a
    redelivered first message queues the same deliveries, whose first write is conditional."""
    jobs = [
        webhook_events.job(
            replace(
                event,
                id=delivery_id(event.event_id or event.id, event.merchant_id, endpoint.id),
                endpoint_id=endpoint.id,
                attempts=0,
                generation=0,
                round_start=0,
            ),
            0,
            fan_out=False,
        )
        for endpoint in endpoints
        if endpoint.id != event.endpoint_id and not is_razorpay(endpoint) and takes(endpoint, event.event)
    ]
    jobs += _razorpay_jobs(event, [endpoint for endpoint in endpoints if is_razorpay(endpoint) and endpoint.enabled])
    queues.send_many(queues.WEBHOOK_DELIVERIES, jobs)


def _razorpay_jobs(event: Delivery, endpoints: list[Endpoint]) -> list[dict[str, Any]]:
    """The event as Razorpay's events, to each `razorpay`-format endpoint that takes them: one
    delivery per (event, endpoint, Razorpay event), its id derived from the three."""
    if not endpoints:
        return []
    event_id = event.event_id or event.id
    return [
        webhook_events.job(
            replace(
                event,
                id=derived_id(DELIVERY_PREFIX, event_id, endpoint.id, translated.name),
                endpoint_id=endpoint.id,
                event=translated.name,
                payload=translated.body,
                attempts=0,
                generation=0,
                round_start=0,
            ),
            0,
            fan_out=False,
        )
        for translated in razorpay_webhooks.translate(event)
        for endpoint in endpoints
        if takes(endpoint, translated.name)
    ]


def _skip(delivery: Delivery, reason: str, creating: bool) -> Finished:
    """No endpoint takes it (any more): the default delivery (the event log) says so in one
    write; another endpoint's delivery that was never attempted leaves no item at all."""
    if creating:
        return Finished(rules.SKIPPED)
    marked = store().deliveries.mark_skipped(
        delivery.merchant_id, delivery.id, delivery.event, delivery.generation, reason
    )
    return Finished(rules.SKIPPED if marked else SUPERSEDED)


def _from_older_message(
    job: dict[str, Any],
    message_age_seconds: float,
    merchants_read: dict[str, Merchant] | None,
    rng: random.Random | None,
) -> Finished | RetryAfter:
    """A message sent before messages carried their payload: read the delivery once, then go
    on as with a message of today's format."""
    stored = store().deliveries.get(str(job["delivery_id"]))
    if stored is None:
        return Finished("missing")
    if int(job.get("generation", 0)) != stored.generation or stored.status in rules.FINAL_STATES:
        return Finished(stored.status if stored.status in rules.FINAL_STATES else SUPERSEDED)
    return deliver(webhook_events.job(stored, stored.generation), message_age_seconds, merchants_read, rng)


def _attempt(
    delivery: Delivery,
    merchant: Merchant,
    endpoint: Endpoint,
    creating: bool,
    rng: random.Random | None,
    chaos: chaos_rules.Chaos | None = None,
    held: tuple[str, ...] = (),
) -> Finished:
    started = clock.now()
    event_id = delivery.event_id or delivery.id
    keys = webhook_endpoints.signing_keys(endpoint, started)
    if is_razorpay(endpoint):
        rzp_event_id = razorpay.event_id(event_id, delivery.event)
        headers = razorpay_headers(keys, rzp_event_id, delivery.payload) if keys else {}
    else:
        headers = signed_headers(keys, event_id, int(started.timestamp()), delivery.payload) if keys else {}
    happening = chaos_rules.at_attempt(chaos, rng or _chaos_rng) if chaos else ()
    fault_point("delivery.before_post", delivery.id)
    seen = post(
        endpoint.url,
        delivery.payload.encode(),
        headers,
        settings().webhook_timeout_seconds,
        settings().webhook_block_private_urls,
    )
    if chaos_rules.DUPLICATE in happening:
        # The very same request again (id, body, signature): the first answer is the one recorded.
        post(
            endpoint.url,
            delivery.payload.encode(),
            headers,
            settings().webhook_timeout_seconds,
            settings().webhook_block_private_urls,
        )
    fault_point("delivery.after_post", delivery.id)
    delivered = rules.is_delivered(seen.response_code)
    metrics.add(metrics.WEBHOOK_ATTEMPTS)
    metrics.add(metrics.WEBHOOK_SUCCESSES if delivered else metrics.WEBHOOK_FAILURES)
    number = delivery.attempts + 1
    if not delivered:  # the line carries the record's event and merchant ids (jobs/batch.py)
        logger.info(
            "webhook attempt failed",
            # The error's kind only: its text can hold the merchant's URL, which may carry a token.
            extra={"attempt": number, "response_code": seen.response_code, "error": _kind(seen.error)},
        )
    in_round = number - delivery.round_start  # the retry schedule starts again with each generation
    status, next_retry_at = _outcome(seen.response_code, seen.retry_after, in_round, started, rng)
    if chaos_rules.CRASH in happening:
        # As if the process died after the POST: the answer is not trusted, the message comes back.
        status = rules.PENDING
        next_retry_at = started + timedelta(seconds=chaos_rules.CRASH_REDELIVERY_SECONDS)
    attempt = attempt_entry(number, started, endpoint.url, seen)
    if held or happening:
        attempt["chaos"] = ",".join((*held, *happening))
    owned = store().deliveries.record_attempt(
        delivery, attempt, status, clock.iso(next_retry_at) if next_retry_at else None, creating=creating
    )
    fault_point("delivery.after_record", delivery.id)
    if not owned:
        return Finished(SUPERSEDED)  # a manual retry, a replay or a duplicate recorded first
    _follow_endpoint(merchant.id, endpoint, delivered, seen.response_code, started)
    if next_retry_at is not None:
        _schedule(delivery, number, next_retry_at)
        return Finished(RETRYING)
    return Finished(status)


def _follow_endpoint(
    merchant_id: str, endpoint: Endpoint, delivered: bool, response_code: int | None, at: datetime
) -> None:
    """What an attempt says about its endpoint, written only when it changes something: a 410
    disables it at once; a failure starts its failing period (when the batch's read shows none),
    and one past WEBHOOK_AUTO_DISABLE_SECONDS disables it; a success ends the period. The usual
    success, on an endpoint that is not failing, writes nothing more."""
    endpoints = store().endpoints
    if delivered:
        if endpoint.failing_since is not None:
            endpoints.clear_failing_since(merchant_id, endpoint.id)
        return
    if response_code == rules.GONE:
        _disable(merchant_id, endpoint, DISABLED_GONE, at)
        return
    if endpoint.failing_since is None:
        endpoints.set_failing_since(merchant_id, endpoint.id, clock.iso(at))
        return
    failing_for = (at - clock.parse_iso(endpoint.failing_since)).total_seconds()
    if failing_for >= settings().webhook_auto_disable_seconds:
        _disable(merchant_id, endpoint, DISABLED_FAILING, at)


def _disable(merchant_id: str, endpoint: Endpoint, reason: str, at: datetime) -> None:
    """Disable the endpoint with its endpoint.disabled event in one transaction, then queue the
    event (held with the batch's sends): it reaches the merchant's other endpoints that take it.
    Of two attempts that disable at once, one wins; the other records no event."""
    record = webhook_events.endpoint_disabled_record(merchant_id, endpoint, reason, at)
    if store().endpoints.disable(merchant_id, endpoint.id, reason, clock.iso(at), record):
        logger.warning("webhook endpoint disabled", extra={"endpoint_id": endpoint.id, "reason": reason})
        webhook_events.dispatch([record])


def attempt_entry(number: int, started: datetime, url: str, seen: Observation) -> dict[str, Any]:
    """What the log keeps of one attempt: bounded (domain/deliveries.py, KEPT_*)."""
    return {
        "number": number,
        "at": clock.iso(started),
        "url": rules.kept(url, rules.KEPT_URL_BYTES),
        "response_code": seen.response_code,
        "response_body": rules.kept(seen.response_body, rules.KEPT_BODY_BYTES),
        "error": rules.kept(seen.error, rules.KEPT_ERROR_BYTES),
        "duration_ms": seen.duration_ms,
    }


def _outcome(
    response_code: int | None, retry_after: str | None, number: int, started: datetime, rng: random.Random | None
) -> tuple[str, datetime | None]:
    """The delivery's status after attempt `number`, and when the next one is due (if any). A
    410 Gone is final: the receiver said the endpoint is gone, retrying cannot help."""
    if rules.is_delivered(response_code):
        return rules.SUCCESS, None
    if response_code == rules.GONE:
        return rules.FAILED, None
    wait = retry.next_wait(number + 1, settings().webhook_retry_intervals_test, retry_after, started, rng)
    if wait is None:
        return rules.FAILED, None
    return rules.PENDING, started + timedelta(seconds=wait)


def _schedule(delivery: Delivery, attempts: int, due: datetime) -> None:
    """The next attempt's message, held with the batch's other sends. Should it be lost (a
    crash before the batch's flush), the delivery waits in the awaiting index, due then, and
    the reconciler sends it again after its grace."""
    message = webhook_events.job(delivery, delivery.generation, attempt=attempts, due_at=clock.iso(due), fan_out=False)
    delay = math.ceil((due - clock.now()).total_seconds())
    queues.send(queues.WEBHOOK_DELIVERIES, message, delay_seconds=max(0, min(delay, queues.MAX_DELAY_SECONDS)))
    metrics.add(metrics.RETRIES_SCHEDULED)


def _kind(error: str | None) -> str | None:
    """ "timeout: read timed out (url ...)" -> "timeout"."""
    return error.split(":", 1)[0] if error else None
