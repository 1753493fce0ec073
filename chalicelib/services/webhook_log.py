"""The delivery log as merchants see it, their manual retries and their bulk replays."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache, partial
from itertools import islice
from typing import Any

from .. import queues
from ..domain import audit as audit_rules
from ..domain import deliveries as rules
from ..domain.endpoints import Endpoint, default_endpoint_id, delivery_id, is_default, is_razorpay
from ..domain.errors import BadRequest, NotFound
from ..domain.events import WEBHOOK_TEST
from ..store import store
from ..store.records import Delivery, Merchant, PageRequest
from . import audit, entities
from .after_commit import enqueue_after_commit
from .listing import PER_MERCHANT, Listing, paging
from .webhook_events import dispatch, job


def _owned(merchant_id: str, delivery_id: str) -> Delivery:
    delivery = store().deliveries.get(delivery_id)
    if delivery is None or delivery.merchant_id != merchant_id:
        raise NotFound("Webhook delivery not found", "id")
    return delivery


def get(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    return entities.delivery_detail(_owned(merchant_id, delivery_id))


def list_deliveries(
    merchant_id: str,
    limit: int,
    offset: int,
    cursor: str | None,
    status: str | None,
    event: str | None,
    endpoint_id: str | None = None,
) -> Listing:
    paged = paging(limit, offset, cursor, PER_MERCHANT, merchant_id, "webhooks", status, event, endpoint_id)
    page = store().deliveries.list_for_merchant(merchant_id, paged.request(), status, event, endpoint_id)
    return paged.listing(page, entities.delivery)


RESET_ATTEMPTS = 3


def retry_now(merchant_id: str, delivery_id: str) -> dict[str, Any]:
    delivery = _owned(merchant_id, delivery_id)
    reschedule(delivery)
    return {"id": delivery.id, "status": rules.PENDING, "message": "Webhook retry scheduled"}


def reschedule(delivery: Delivery) -> bool:
    """Start `delivery`'s attempts again, now, under a new generation, and queue its job (built
    from the item, payload included) once that is saved: messages of older generations lose
    their write's condition and retire. True when this call rescheduled it; False when another
    retry or replay took the generation first (it sends its own message) or it is gone.
    Shared by the manual retry and the bulk replay: keep its contract."""
    generation = delivery.generation + 1
    current: Delivery | None = delivery
    for _ in range(RESET_ATTEMPTS):
        assert current is not None
        # The reset is conditioned on the status it read (its counters move from that status):
        # an attempt recorded meanwhile changes it, so read again; another retry taking this
        # generation first ends it (and sends its own message).
        if store().deliveries.reset_for_retry(current, generation):
            reset = replace(
                current, generation=generation, round_start=current.attempts, status=rules.PENDING, next_retry_at=None
            )
            # Committed first, queued after: the reset delivery waits in the awaiting index, so a
            # send that fails is the reconciler's to repeat (services/after_commit.py).
            send = partial(queues.send, queues.WEBHOOK_DELIVERIES, job(reset, generation, fan_out=False))
            enqueue_after_commit("event", current.id, send)
            return True
        current = store().deliveries.get(delivery.id)
        if current is None or current.generation != generation - 1:
            return False
    return False


def deliver_to_endpoint(event_delivery: Delivery, endpoint_id: str) -> bool:
    """The event (its default delivery, which holds the payload) delivered to an endpoint that has
    no delivery of it yet: the same event id, body and time, under the per-(event, endpoint)
    delivery id, so a retried replay finds this one. True when this call created it.

    The item is written here, at generation 1, before its job is sent: a fan-out's delivery is
    created by its first attempt (generation 0, "absent" as its write's condition), but a replay
    must count what it scheduled and be found by the next replay of the range, so it writes the
    pending item itself and its job records attempts like a manual retry's."""
    event_id = event_delivery.event_id or event_delivery.id
    record = Delivery(
        id=delivery_id(event_id, event_delivery.merchant_id, endpoint_id),
        merchant_id=event_delivery.merchant_id,
        event=event_delivery.event,
        entity_id=event_delivery.entity_id,
        timestamp=event_delivery.timestamp,
        payload=event_delivery.payload,
        status=rules.PENDING,
        created_at=event_delivery.created_at,  # the event's time: the same range replays it again
        generation=1,
        endpoint_id=endpoint_id,
        event_id=event_id,
        expires_at=event_delivery.expires_at,
    )
    if not store().deliveries.create(record):
        return False
    enqueue_after_commit("event", record.id, partial(dispatch, [record]))
    return True


MAX_REPLAY = 1000
"""Deliveries one replay call schedules at most: about one API request's budget of writes."""

REPLAY_WORKERS = 16


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    # Each reschedule is a transaction and a send, ~30 ms on AWS: 1,000 one after another would
    # take most of API Gateway's 29 s; 16 at once take about 2 s.
    return ThreadPoolExecutor(max_workers=REPLAY_WORKERS, thread_name_prefix="replay")


REPLAY_PAGE = 100


def endpoint_of(merchant: Merchant, endpoint_id: str) -> Endpoint | None:
    """One of the merchant's endpoints, or None."""
    return next((endpoint for endpoint in merchant.webhook_endpoints if endpoint.id == endpoint_id), None)


def _in_range(
    merchant_id: str, since: str, until: str, status: str | None, event: str | None, endpoint_id: str | None
) -> Iterator[Delivery]:
    """Every matching delivery created in [since, until), a page at a time, newest first; never
    more than MAX_REPLAY, whatever was recorded since they were counted."""
    return islice(_pages(merchant_id, since, until, status, event, endpoint_id), MAX_REPLAY)


def _pages(
    merchant_id: str, since: str, until: str, status: str | None, event: str | None, endpoint_id: str | None
) -> Iterator[Delivery]:
    deliveries = store().deliveries
    request = PageRequest(REPLAY_PAGE)
    while True:
        # The store's range is inclusive: `until` itself is left out here.
        page = deliveries.list_for_merchant(merchant_id, request, status, event, endpoint_id, since, until)
        yield from (delivery for delivery in page.items if delivery.created_at < until)
        if page.next is None:
            return
        request = PageRequest(REPLAY_PAGE, after=page.next)


def _chunks(deliveries: Iterator[Delivery]) -> Iterator[list[Delivery]]:
    while page := list(islice(deliveries, REPLAY_PAGE)):
        yield page


def _missed_by(endpoint: Endpoint, event: str) -> bool:
    """An event the endpoint subscribes to (test events go only where they were sent). A
    `razorpay`-format endpoint's events are built when an event fans out: the gateway's events it
    missed are not sent to it (docs/razorpay.md, "Not emulated")."""
    if is_razorpay(endpoint):
        return False
    return event != WEBHOOK_TEST and (endpoint.events is None or event in endpoint.events)


def replay(
    merchant: Merchant,
    actor: audit.Actor,
    since: str,
    until: str,
    status: str | None,
    event: str | None,
    endpoint_id: str | None,
) -> dict[str, int]:
    """Re-schedule every matching delivery created in [since, until), at most MAX_REPLAY. With a
    non-default endpoint and no status, the events of the range that endpoint never got (it was
    disabled, or created later) are delivered to it too."""
    if since >= until:
        raise BadRequest("since must be before until (now, when absent)", "since")
    endpoint = None
    if endpoint_id and not is_default(merchant.id, endpoint_id):
        endpoint = endpoint_of(merchant, endpoint_id)
        if endpoint is None:
            # A body field naming nothing is bad input (400): the request, not its URL, is wrong.
            raise BadRequest("No webhook endpoint of this merchant has this id", "endpoint_id")
        if not endpoint.enabled:
            raise BadRequest("The endpoint is disabled: enable it, then replay what it missed", "endpoint_id")
    missed = endpoint is not None and status is None
    deliveries = store().deliveries
    # The event log is the default endpoint's deliveries: each event gives the endpoint at most one.
    counted = (
        deliveries.count_for_merchant(merchant.id, since, until, None, event, default_endpoint_id(merchant.id))
        if missed
        else deliveries.count_for_merchant(merchant.id, since, until, status, event, endpoint_id)
    )
    if counted > MAX_REPLAY:
        raise BadRequest(
            f"{counted} deliveries match, and one replay takes at most {MAX_REPLAY}: "
            "narrow the time range or filter by status, event or endpoint_id",
            "since",
        )
    scheduled = 0
    delivered: set[str] = set()
    # A page at a time, its resets at once: a page's records in memory, never the whole replay's.
    for page in _chunks(_in_range(merchant.id, since, until, status, event, endpoint_id)):
        delivered.update(delivery.event_id or delivery.id for delivery in page)
        scheduled += sum(_pool().map(reschedule, page))
    if missed and endpoint is not None:
        deliver = partial(deliver_to_endpoint, endpoint_id=endpoint.id)
        for page in _chunks(_in_range(merchant.id, since, until, None, event, default_endpoint_id(merchant.id))):
            unsent = [e for e in page if e.id not in delivered and _missed_by(endpoint, e.event)]
            scheduled += sum(_pool().map(deliver, unsent))
    summary = audit_rules.replay_summary(since, until, status, event, endpoint_id, scheduled)
    audit.record(merchant.id, actor, audit_rules.WEBHOOK_REPLAY, merchant.id, summary)
    return {"count": scheduled}
