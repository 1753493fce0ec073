"""Orders: creation, idempotent creation by a derived id, ownership and listing."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import NotFound
from chalicelib.services import orders
from chalicelib.store.records import PageRequest

from .conftest import Fakes, add_merchant


def test_create_writes_a_created_order(fakes: Fakes) -> None:
    add_merchant(fakes)
    order = orders.create("m1", 50000, "INR", "r-1", {"sku": "A1"})
    assert order["status"] == "created"
    assert order["notes"] == {"sku": "A1"}
    assert fakes.store.orders.get(order["id"]) is not None


def test_a_retry_with_the_derived_id_finds_the_first_order(fakes: Fakes) -> None:
    first = orders.create("m1", 50000, "INR", "r-1", {}, order_id="order_derived0000001")
    again = orders.create("m1", 50000, "INR", "r-1", {}, order_id="order_derived0000001")
    assert again == first  # another request under the key is refused: test_idempotent_retries.py
    assert fakes.store.orders.list_for_merchant("m1", PageRequest(10)).total == 1


def test_another_merchants_order_is_not_found(fakes: Fakes) -> None:
    order = orders.create("m1", 50000, "INR", None, {})
    with pytest.raises(NotFound):
        orders.get("m2", order["id"])


def test_list_is_newest_first_with_the_total(fakes: Fakes) -> None:
    created = [orders.create("m1", 100 + n, "INR", None, {}, order_id=f"order_{n}") for n in range(5)]
    listing = orders.list_orders("m1", 2, 1, None)
    assert listing.total == 5 and listing.next_cursor is not None
    rest = orders.list_orders("m1", 10, 0, listing.next_cursor)
    assert rest.next_cursor is None
    first = orders.list_orders("m1", 1, 0, None).items
    seen = [o["id"] for o in first + listing.items + rest.items]
    assert sorted(seen) == sorted(o["id"] for o in created)  # every order once
    times = [o["created_at"] for o in first + listing.items + rest.items]
    assert times == sorted(times, reverse=True)
