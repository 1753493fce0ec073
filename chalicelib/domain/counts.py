"""What each create and status change adds to a merchant's counters and per-day statistics.

Pure: the store adds these deltas in the same transaction as the change itself (so a retried
create, whose condition fails, adds nothing), and the fake adds them under its lock. A counter
row is `<merchant>#<list>#NN`, NN the shard of the entity's id; its attributes are named here.
Statistics rows are per day (the payment's UTC creation date) and shard the same way.
"""

from __future__ import annotations

from collections import defaultdict

from .shards import COUNTER_SHARDS, every_shard, shard_of

ORDERS, PAYMENTS, REFUNDS, WEBHOOKS, STATS = "orders", "payments", "refunds", "webhooks", "stats"
AUDIT = "audit"

SHARDS = {
    # Writes per second on one row at 2,000 payments/s, each family spread by entity id:
    ORDERS: 2 * COUNTER_SHARDS,  # 1 write per order: 2,000 / 32 = 62.5
    PAYMENTS: 4 * COUNTER_SHARDS,  # create and finalize: 4,000 / 64 = 62.5
    STATS: 4 * COUNTER_SHARDS,  # the same two writes, on the day's rows: 62.5
    REFUNDS: 2 * COUNTER_SHARDS,  # 1 write per refund, at most one per payment: 62.5
    # About 3 events a payment, each created and then finished: 12,000 / 100 = 120, the most
    # one BatchGetItem (100 keys) reads back in one call; docs/decisions.md says so.
    WEBHOOKS: 100,
    AUDIT: 4 * COUNTER_SHARDS,  # a capture and a refund per payment at most: 4,000 / 64 = 62.5
}
"""Shards of each counter family: enough that no row takes much more than 100 writes/s (a
row in many concurrent transactions conflicts), few enough that one BatchGetItem sums them."""
TOTAL = "n"
NO_DAY = "-"  # the range key of a counter row (statistics rows have a date)


def status(name: str) -> str:
    return f"s:{name}"


def event(name: str) -> str:
    return f"e:{name}"


def event_status(event_name: str, status_name: str) -> str:
    return f"es:{event_name}:{status_name}"


def currency_count(currency: str) -> str:
    return f"count:{currency}"


def currency_amount(currency: str) -> str:
    return f"amount:{currency}"


def row_key(merchant_id: str, kind: str, entity_id: str) -> str:
    return f"{merchant_id}#{kind}#{shard_of(entity_id, SHARDS[kind]):02d}"


def row_keys(merchant_id: str, kind: str) -> list[str]:
    return every_shard(f"{merchant_id}#{kind}", SHARDS[kind])


RowId = tuple[str, str]  # (row key, day or NO_DAY)


class Deltas:
    """Additions to counter attributes, gathered per row: a transaction may touch a row once."""

    def __init__(self) -> None:
        self.rows: dict[RowId, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, row: RowId, attribute: str, amount: int = 1) -> Deltas:
        self.rows[row][attribute] += amount
        return self

    def items(self) -> list[tuple[RowId, dict[str, int]]]:
        return [
            (row, {k: v for k, v in values.items() if v}) for row, values in self.rows.items() if any(values.values())
        ]

    # Entities

    def order_created(self, merchant_id: str, order_id: str) -> Deltas:
        return self.add((row_key(merchant_id, ORDERS, order_id), NO_DAY), TOTAL)

    def payment_created(self, merchant_id: str, payment_id: str, day: str, currency: str, initial: str) -> Deltas:
        row = (row_key(merchant_id, PAYMENTS, payment_id), NO_DAY)
        self.add(row, TOTAL).add(row, status(initial))
        stats = (row_key(merchant_id, STATS, payment_id), day)
        return self.add(stats, TOTAL).add(stats, status(initial)).add(stats, currency_count(currency))

    def payment_finalized(
        self, merchant_id: str, payment_id: str, day: str, before: str, after: str, succeeded: int, currency: str
    ) -> Deltas:
        """`succeeded`: the amount, when the payment succeeded (it counts in that day's total)."""
        row = (row_key(merchant_id, PAYMENTS, payment_id), NO_DAY)
        self.add(row, status(before), -1).add(row, status(after))
        stats = (row_key(merchant_id, STATS, payment_id), day)
        self.add(stats, status(before), -1).add(stats, status(after))
        if succeeded:
            self.add(stats, currency_amount(currency), succeeded)
        return self

    def refund_created(self, merchant_id: str, refund_id: str) -> Deltas:
        return self.add((row_key(merchant_id, REFUNDS, refund_id), NO_DAY), TOTAL)

    def audit_recorded(self, merchant_id: str, entry_id: str) -> Deltas:
        return self.add((row_key(merchant_id, AUDIT, entry_id), NO_DAY), TOTAL)

    def delivery_created(self, merchant_id: str, delivery_id: str, event_name: str, initial: str) -> Deltas:
        row = (row_key(merchant_id, WEBHOOKS, delivery_id), NO_DAY)
        self.add(row, TOTAL).add(row, status(initial)).add(row, event(event_name))
        return self.add(row, event_status(event_name, initial))

    def delivery_moved(self, merchant_id: str, delivery_id: str, event_name: str, before: str, after: str) -> Deltas:
        if before == after:
            return self
        row = (row_key(merchant_id, WEBHOOKS, delivery_id), NO_DAY)
        self.add(row, status(before), -1).add(row, status(after))
        return self.add(row, event_status(event_name, before), -1).add(row, event_status(event_name, after))


def delivery_attribute(status_name: str | None, event_name: str | None) -> str:
    """The counter a delivery list with these filters reads."""
    if status_name and event_name:
        return event_status(event_name, status_name)
    if status_name:
        return status(status_name)
    if event_name:
        return event(event_name)
    return TOTAL
