"""Offset pagination over a newest-first index query, with the total the list envelope reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.indexes import GlobalSecondaryIndex


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int


def newest_first(
    index: GlobalSecondaryIndex, hash_key: str, limit: int, offset: int, range_condition=None, filter_condition=None
) -> Page:
    items = []
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
            items.append(item)
    total = index.count(hash_key, range_key_condition=range_condition, filter_condition=filter_condition)
    return Page(items, total)
