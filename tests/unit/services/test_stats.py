"""/payments/stats from the per-day rows: the same answer the payments themselves give."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import clock
from chalicelib.domain.payments import Outcome
from chalicelib.services import stats
from chalicelib.store.records import Delivery, Order, Payment

from .conftest import Fakes


def _paid(fakes: Fakes, n: int, created: str, amount: int, currency: str, outcome: str | None) -> None:
    order = Order(f"order_{n:016d}", "m1", amount, currency, "created", created)
    fakes.store.orders.create(order)
    payment = Payment(f"pay_{n:018d}", "m1", order.id, amount, currency, "upi", "pending", created, created)
    assert fakes.store.payments.create_with_events(payment, [])
    if outcome:
        event = Delivery(f"evt_{n:018d}", "m1", f"payment.{outcome}", payment.id, 0, "{}", "pending", created)
        fakes.store.payments.finalize(payment, Outcome(outcome, None, None), event, created)


def test_the_overview_counts_days_statuses_and_the_main_currency(fakes: Fakes) -> None:
    today = clock.now().replace(hour=12, minute=0, second=0, microsecond=0)
    days_ago = [clock.iso(today - timedelta(days=d)) for d in range(40)]
    _paid(fakes, 1, days_ago[0], 1000, "INR", "success")
    _paid(fakes, 2, days_ago[0], 500, "INR", "failed")
    _paid(fakes, 3, days_ago[2], 700, "INR", None)
    _paid(fakes, 4, days_ago[2], 9900, "USD", "success")  # fewer USD payments: not the currency
    _paid(fakes, 5, days_ago[35], 3000, "INR", "success")  # outside 30 days
    overview = stats.overview("m1", 30)
    assert overview["total_transactions"] == 4
    assert overview["currency"] == "INR" and overview["total_amount"] == 1000
    assert overview["success_rate"] == round(100 * 2 / 3, 1)
    assert len(overview["series"]) == 30 and overview["days"] == 30
    today_row, two_days_ago = overview["series"][-1], overview["series"][-3]
    assert today_row == {"date": days_ago[0][:10], "count": 2, "amount": 1000, "success": 1, "failed": 1, "pending": 0}
    assert two_days_ago == {"date": days_ago[2][:10], "count": 2, "amount": 0, "success": 1, "failed": 0, "pending": 1}
    assert stats.overview("m1", 90)["total_amount"] == 4000
    assert stats.overview("m2", 7) == {**stats.overview("m2", 7), "total_transactions": 0, "currency": "INR"}
