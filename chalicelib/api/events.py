"""The events feed: the merchant's events after a cursor, oldest first (services/event_feed.py)."""

from __future__ import annotations

from chalice import Blueprint

from ..services import event_feed
from .endpoint import JSON, Call, endpoint
from .responses import EventFeed
from .schemas import EventFeedQuery

bp = Blueprint(__name__)


@endpoint(
    bp,
    "GET",
    "/api/v1/events",
    summary="The merchant's events after a cursor, oldest first (what `paygw listen` follows)",
    query=EventFeedQuery,
    response=EventFeed,
    tags=("events",),
)
def list_events(call: Call[None, EventFeedQuery]) -> JSON:
    q = call.query
    return event_feed.page(call.merchant.id, q.after, q.since, q.limit)
