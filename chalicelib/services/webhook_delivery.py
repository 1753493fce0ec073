"""The delivery engine: claim one attempt, POST it, record what was seen, schedule the next."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from .. import metrics
from ..config import settings
from ..domain import clock, retry
from ..domain import deliveries as rules
from ..domain.events import WEBHOOK_TEST
from ..domain.signing import signed_headers
from ..faults import fault_point
from ..jobs.outcomes import Finished, RetryAfter
from ..logs import logger
from ..store import store
from ..store.records import Delivery, Merchant
from . import webhook_endpoints
from .webhook_http import post

ORPHAN_AFTER_SECONDS = 60
LEASE_GRACE_SECONDS = 5
EARLY_WAKE_TOLERANCE = timedelta(milliseconds=500)


def read_merchants(jobs: list[dict[str, Any]]) -> dict[str, Merchant]:
    """The merchants of a batch of delivery jobs, read once for the batch: fresh enough that a
    changed URL or secret applies to the next batch, and one call instead of one per record."""
    return store().merchants.get_many({job["merchant_id"] for job in jobs})


def deliver(
    job: dict[str, Any], message_age_seconds: float, merchants_read: dict[str, Merchant] | None = None
) -> Finished | RetryAfter:
    """One attempt, in two writes on the usual path: claim the attempt (which returns the
    delivery), then record the outcome. The merchant comes from `merchants_read` (see
    read_merchants), or is read now."""
    merchant = (
        merchants_read.get(job["merchant_id"])
        if merchants_read is not None
        else store().merchants.get(job["merchant_id"])
    )
    generation = int(job.get("generation", 0))
    skip = _skip_reason(job.get("event"), merchant)
    if skip or merchant is None or not merchant.webhook_url:
        event = job.get("event") or _event_of(job["delivery_id"])
        reason = skip or "no_webhook_url"
        if event and store().deliveries.mark_skipped(job["merchant_id"], job["delivery_id"], event, generation, reason):
            return Finished(rules.SKIPPED)
        return _why_not(job, generation, message_age_seconds)
    started = clock.now()
    now_ms = int(started.timestamp() * 1000)
    lease_ms = int((settings().webhook_timeout_seconds + LEASE_GRACE_SECONDS) * 1000)
    delivery = store().deliveries.claim(
        job["delivery_id"], generation, now_ms, lease_ms, due_by=clock.iso(started + EARLY_WAKE_TOLERANCE)
    )
    if delivery is None:
        return _why_not(job, generation, message_age_seconds)
    return _attempt(delivery, merchant, merchant.webhook_url, started)


def _event_of(delivery_id: str) -> str | None:
    """A message written before jobs carried their event: read it from the delivery."""
    delivery = store().deliveries.get(delivery_id)
    return delivery.event if delivery else None


def _why_not(job: dict[str, Any], generation: int, message_age_seconds: float) -> Finished | RetryAfter:
    """The claim (or skip) was refused: read the delivery to decide what this message does."""
    delivery = store().deliveries.get(job["delivery_id"])
    if delivery is None:
        return Finished("missing")
    if generation > delivery.generation:
        # The manual retry that sent this has not saved its reset yet, or crashed before it.
        return Finished("orphaned") if message_age_seconds > ORPHAN_AFTER_SECONDS else RetryAfter(1)
    if generation < delivery.generation or delivery.status in rules.FINAL_STATES:
        return Finished(delivery.status)  # superseded by a manual retry, or already done
    now = clock.now()
    waits = [
        (clock.parse_iso(delivery.next_retry_at) - now).total_seconds() if delivery.next_retry_at else 0,
        ((delivery.lease_until or 0) - now.timestamp() * 1000) / 1000,
    ]
    # Woken early (a duplicate), or another message holds the attempt in flight (or crashed
    # holding it): look again once that has passed.
    return RetryAfter(max(1, math.ceil(max(waits))))


def _skip_reason(event: str | None, merchant: Merchant | None) -> str | None:
    if merchant is None or not merchant.webhook_url:
        return "no_webhook_url"
    subscribed = merchant.webhook_events
    if subscribed and event and event != WEBHOOK_TEST and event not in subscribed:
        return "not_subscribed"
    return None


def _attempt(delivery: Delivery, merchant: Merchant, url: str, started: datetime) -> Finished | RetryAfter:
    headers = {}
    default = webhook_endpoints.default_of(merchant)
    keys = webhook_endpoints.signing_keys(default, started) if default else None
    if keys:  # every secret valid now signs: a rotation's overlap carries both (domain/signing.py)
        headers = signed_headers(keys, delivery.id, int(started.timestamp()), delivery.payload)
    fault_point("delivery.before_post", delivery.id)
    seen = post(
        url,
        delivery.payload.encode(),
        headers,
        settings().webhook_timeout_seconds,
        settings().webhook_block_private_urls,
    )
    fault_point("delivery.after_post", delivery.id)
    delivered = rules.is_delivered(seen.response_code)
    metrics.add(metrics.WEBHOOK_ATTEMPTS)
    metrics.add(metrics.WEBHOOK_SUCCESSES if delivered else metrics.WEBHOOK_FAILURES)
    if not delivered:  # the line carries the record's event and merchant ids (jobs/batch.py)
        logger.info(
            "webhook attempt failed",
            # The error's kind only: its text can hold the merchant's URL, which may carry a token.
            extra={"attempt": delivery.attempts + 1, "response_code": seen.response_code, "error": _kind(seen.error)},
        )
    number = delivery.attempts + 1
    next_retry_at = None
    if delivered:
        status = rules.SUCCESS
    else:
        wait = retry.wait_before_attempt(number + 1, settings().webhook_retry_intervals_test)
        status = rules.FAILED if wait is None else rules.PENDING
        if wait is not None:
            next_retry_at = started + timedelta(seconds=wait)
    attempt = {
        "number": number,
        "at": clock.iso(started),
        "url": url,
        "response_code": seen.response_code,
        "response_body": seen.response_body,
        "error": seen.error,
        "duration_ms": seen.duration_ms,
    }
    owned = store().deliveries.record_attempt(
        delivery, attempt, status, clock.iso(next_retry_at) if next_retry_at else None
    )
    fault_point("delivery.after_record", delivery.id)
    if not owned:
        return Finished("superseded")  # a manual retry replaced this attempt meanwhile
    if next_retry_at is not None:
        return RetryAfter(max(0, round((next_retry_at - clock.now()).total_seconds())))
    return Finished(status)


def _kind(error: str | None) -> str | None:
    """ "timeout: read timed out (url ...)" -> "timeout"."""
    return error.split(":", 1)[0] if error else None
