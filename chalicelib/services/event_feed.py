"""The merchant's events as a feed a client follows with a cursor (`paygw listen`): oldest
first, in bounded pages, without any inbound connection to the client.

An event's created_at is taken before the write that records it, so a write that commits late
can land behind events already read. The feed therefore shows only events older than a settling
delay (EVENTS_FEED_SETTLE_SECONDS): past it, no event can still appear before the cursor.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ..config import settings
from ..domain import clock, cursors
from ..domain.endpoints import default_endpoint_id
from ..domain.errors import BadRequest
from ..store import store
from ..store.records import Delivery


def _scope(merchant_id: str) -> str:
    return cursors.scope("events", merchant_id)


def _position(merchant_id: str, after: str | None, since: str | None) -> tuple[str, str] | None:
    if after is not None:
        (position,) = cursors.decode(after, _scope(merchant_id), 1)
        if position is None or position == cursors.DONE:
            raise BadRequest("cursor is not valid for this list: use the next_cursor of a previous page", "after")
        return position
    if since is not None:
        # An empty id sorts before every id: events created at `since` itself are included.
        return (clock.now_iso() if since == "now" else since, cursors.HORIZON)
    return None


def view(record: Delivery) -> dict[str, Any]:
    """An event as the feed shows it: its payload is the body its webhooks carry, parsed."""
    return {
        "id": record.event_id or record.id,
        "event": record.event,
        "entity_id": record.entity_id,
        "created_at": record.created_at,
        "payload": json.loads(record.payload),
    }


def page(merchant_id: str, after: str | None, since: str | None, limit: int) -> dict[str, Any]:
    """Up to `limit` events after the position, and the cursor to continue from: after the last
    one given, or, when none was, at the settled horizon (everything before it has been seen)."""
    position = _position(merchant_id, after, since)
    horizon = clock.iso(clock.now() - timedelta(seconds=settings().events_feed_settle_seconds))
    found = store().deliveries.events_after(merchant_id, position, horizon, limit + 1, default_endpoint_id(merchant_id))
    items = found[:limit]
    if items:
        following: tuple[str, str] = (items[-1].created_at, items[-1].id)
    elif position is None or position[0] < horizon:
        following = (horizon, cursors.HORIZON)  # nothing at the horizon itself either: it was read
    else:
        following = position
    return {
        "items": [view(record) for record in items],
        "next_cursor": cursors.encode((following,), _scope(merchant_id)),
        "has_more": len(found) > limit,
    }
