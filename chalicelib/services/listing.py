"""Pages of lists for the API: a request's limit, offset or cursor into a store PageRequest, and
a store Page into the items, total and next cursor the list envelope carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..domain import cursors
from ..domain.shards import LIST_SHARDS
from ..store.records import Page, PageRequest

T = TypeVar("T")

PER_MERCHANT = LIST_SHARDS  # a merchant's lists are read over every shard
PER_PARENT = 1  # an order's payments and a payment's refunds: one unsharded key


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    total: int | None
    next_cursor: str | None


@dataclass(frozen=True)
class Paging:
    """What the client asked for, and what the cursor is bound to."""

    limit: int
    offset: int
    cursor: str | None
    bound_to: str
    shards: int

    def request(self) -> PageRequest:
        after = cursors.decode(self.cursor, self.bound_to, self.shards) if self.cursor else None
        return PageRequest(self.limit, self.offset, after)

    def listing(self, page: Page[T], render: Callable[[T], dict[str, Any]]) -> Listing:
        following = cursors.encode(page.next, self.bound_to) if page.next is not None else None
        return Listing([render(item) for item in page.items], page.total, following)


def paging(limit: int, offset: int, cursor: str | None, shards: int, *scope: object) -> Paging:
    """`scope`: the merchant, the list's name and its filters, each in a fixed place."""
    return Paging(limit, offset, cursor, cursors.scope(*scope), shards)
