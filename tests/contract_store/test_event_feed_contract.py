"""The events feed's read (DeliveryRepository.events_after), the same on both Stores: oldest
first by (created_at, id), strictly after the position, up to the horizon, the merchant's own
events only (its default endpoint's deliveries), never an expired one."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.endpoints import default_endpoint_id
from chalicelib.store.interface import Store
from tests.contract_store.test_store_contract import at, event, merchant_id, uid


def walk(store: Store, owner: str, until: str, limit: int) -> list[str]:
    """Every event up to `until`, page after page, each page continuing after the last item."""
    seen: list[str] = []
    position: tuple[str, str] | None = None
    for _ in range(100):
        page = store.deliveries.events_after(owner, position, until, limit, default_endpoint_id(owner))
        if not page:
            return seen
        assert len(page) <= limit
        seen += [item.id for item in page]
        position = (page[-1].created_at, page[-1].id)
    raise AssertionError("the walk never ended")


def test_a_walk_sees_every_event_once_oldest_first_even_with_ties(store: Store) -> None:
    owner = merchant_id()
    # Ten events at one moment (ids on many shards), and one before and after them.
    tied = [event(owner, uid("pay"), 5) for _ in range(10)]
    first, last = event(owner, uid("pay"), 1), event(owner, uid("pay"), 9)
    for item in (*tied, first, last):
        assert store.deliveries.create(item)
    expected = [first.id, *sorted(item.id for item in tied), last.id]
    for limit in (1, 3, 100):
        assert walk(store, owner, at(59), limit) == expected


def test_only_the_merchants_own_events_up_to_the_horizon(store: Store) -> None:
    owner = merchant_id()
    default = default_endpoint_id(owner)
    legacy = event(owner, uid("pay"), 1)  # recorded before endpoints: the default endpoint's
    mine = event(owner, uid("pay"), 2, endpoint_id=default)
    copy_to_other = event(owner, uid("pay"), 3, endpoint_id="we_0therEndpoint01", event_id=mine.id)
    expired = event(owner, uid("pay"), 4, expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    strangers = event(merchant_id(), uid("pay"), 2)
    future = event(owner, uid("pay"), 30)
    for item in (legacy, mine, copy_to_other, expired, strangers, future):
        assert store.deliveries.create(item)
    read = store.deliveries.events_after
    assert [d.id for d in read(owner, None, at(20), 10, default)] == [legacy.id, mine.id]
    assert [d.id for d in read(owner, (at(1), legacy.id), at(20), 10, default)] == [mine.id]
    # A position's time with an empty id: events at that very time are included.
    assert [d.id for d in read(owner, (at(2), ""), at(59), 10, default)] == [mine.id, future.id]
    assert read(owner, (at(40), ""), at(20), 10, default) == []  # a position past the horizon
