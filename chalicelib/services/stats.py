"""The dashboard's overview: totals, success rate and a per-day series.

Read from the per-day statistics rows the payment transactions keep (domain/counts.py): the
cost is one query per shard over at most 90 rows, however many payments the days hold.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from ..domain import clock, counts
from ..domain import payments as rules
from ..store import store

STATUSES = (rules.SUCCESS, rules.FAILED, rules.PENDING)


def overview(merchant_id: str, days: int) -> dict[str, Any]:
    today = clock.now().date()
    start = today - timedelta(days=days - 1)
    dates = [start + timedelta(days=n) for n in range(days)]
    rows = store().payments.daily_stats(merchant_id, start.isoformat(), today.isoformat())
    currencies: Counter[str] = Counter()
    for date in dates:  # oldest first: of two equally used currencies, the first one used wins
        for name, value in rows.get(date.isoformat(), {}).items():
            if name.startswith(counts.currency_count("")) and value:
                currencies[name.removeprefix(counts.currency_count(""))] += value
    currency = currencies.most_common(1)[0][0] if currencies else "INR"
    series: list[dict[str, Any]] = []
    for date in dates:
        row = rows.get(date.isoformat(), {})
        series.append(
            {
                "date": date.isoformat(),
                "count": row.get(counts.TOTAL, 0),
                "amount": row.get(counts.currency_amount(currency), 0),
                **{status: row.get(counts.status(status), 0) for status in STATUSES},
            }
        )
    finished = sum(day[rules.SUCCESS] + day[rules.FAILED] for day in series)
    succeeded = sum(day[rules.SUCCESS] for day in series)
    return {
        "total_transactions": sum(day["count"] for day in series),
        "total_amount": sum(day["amount"] for day in series),
        "currency": currency,
        "success_rate": round(100 * succeeded / finished, 1) if finished else 0.0,
        "days": days,
        "series": series,
    }
