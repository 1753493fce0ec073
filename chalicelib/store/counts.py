"""Totals counted by reading an index: right for the small per-order and per-payment lists,
whose size a customer cannot grow without bound. (Per-merchant lists, until the sharded
counters replace it in the next commit, use it too.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex


def counted(index: GlobalSecondaryIndex[Any], keys: Sequence[str], filter_condition: Condition | None = None) -> int:
    return sum(index.count(key, filter_condition=filter_condition) for key in keys)
