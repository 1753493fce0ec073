"""The dashboard's overview: totals, success rate and a per-day series."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from ..domain import clock
from ..domain import payments as rules
from ..store import store


def overview(merchant_id: str, days: int) -> dict[str, Any]:
    today = clock.now().date()
    start = today - timedelta(days=days - 1)
    series = {
        start + timedelta(days=n): {"count": 0, "amount": 0, rules.SUCCESS: 0, rules.FAILED: 0, rules.PENDING: 0}
        for n in range(days)
    }
    currencies: Counter[str] = Counter()
    payments = list(store().payments.all_since(merchant_id, start.isoformat() + "T00:00:00.000Z"))
    for payment in payments:
        currencies[payment.currency] += 1
    currency = currencies.most_common(1)[0][0] if currencies else "INR"
    total_amount = 0
    for payment in payments:
        day = series.get(clock.parse_iso(payment.created_at).date())
        if day is None:
            continue
        day["count"] += 1
        day[payment.status] += 1
        if payment.status == rules.SUCCESS and payment.currency == currency:
            day["amount"] += payment.amount
            total_amount += payment.amount
    finished = sum(day[rules.SUCCESS] + day[rules.FAILED] for day in series.values())
    succeeded = sum(day[rules.SUCCESS] for day in series.values())
    return {
        "total_transactions": len(payments),
        "total_amount": total_amount,
        "currency": currency,
        "success_rate": round(100 * succeeded / finished, 1) if finished else 0.0,
        "days": days,
        "series": [{"date": date.isoformat(), **values} for date, values in sorted(series.items())],
    }
