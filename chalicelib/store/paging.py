"""Offset pagination over a newest-first index query, with the total the list envelope reports."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from .records import Page
from .rows import R, record


def newest_first(
    kind: type[R],
    index: GlobalSecondaryIndex[Any],
    hash_key: str,
    limit: int,
    offset: int,
    range_condition: Condition | None = None,
    filter_condition: Condition | None = None,
) -> Page[R]:
    items: list[R] = []
    # DynamoDB has no offset: read past the skipped items, in pages as large as the request.
    query = index.query(
        hash_key,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        scan_index_forward=False,
        page_size=min(max(limit + offset, 10), 500),
    )
    for position, item in enumerate(query):
        if position >= offset + limit:
            break
        if position >= offset:
            items.append(record(kind, item))
    total = index.count(hash_key, range_key_condition=range_condition, filter_condition=filter_condition)
    return Page(items, total)
