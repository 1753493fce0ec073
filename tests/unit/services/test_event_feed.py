"""The events feed (services/event_feed.py) on the fake Store: oldest first after a cursor, only
settled events, cursors bound to their merchant; and the per-request test outcome's guard."""

from __future__ import annotations

import pytest

from chalicelib.api.payments import _request
from chalicelib.api.schemas import CreatePayment
from chalicelib.config import settings
from chalicelib.domain import events
from chalicelib.domain import payments as payment_rules
from chalicelib.domain.errors import BadRequest
from chalicelib.services import event_feed, payments
from chalicelib.services.payments import PaymentRequest

from .conftest import Clock, Fakes, add_merchant, new_order


def pay(merchant_id: str = "m1") -> str:
    return payments.create(merchant_id, PaymentRequest(new_order(merchant_id), "upi", vpa="a@bank")).id


def names(page: dict) -> list[tuple[str, str]]:
    return [(item["entity_id"], item["event"]) for item in page["items"]]


def both(payment_id: str) -> list[tuple[str, str]]:
    """A payment's two creation events, recorded at one time: the feed orders them by id."""
    return sorted(
        [(payment_id, "payment.created"), (payment_id, "payment.pending")], key=lambda pair: events.event_id(*pair)
    )


def test_events_show_once_settled_oldest_first_and_a_cursor_continues_after_them(
    fakes: Fakes, time: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVENTS_FEED_SETTLE_SECONDS", "2")
    settings.cache_clear()
    add_merchant(fakes)
    first = pay()
    # Not yet settled: an event recorded now could still be followed by one with an earlier time.
    empty = event_feed.page("m1", None, None, 10)
    assert empty["items"] == [] and empty["has_more"] is False
    time.advance(2.5)
    page = event_feed.page("m1", empty["next_cursor"], None, 10)
    assert names(page) == both(first)
    assert page["items"][0]["payload"]["data"]["payment"]["id"] == first
    second = pay()
    time.advance(1)
    assert event_feed.page("m1", page["next_cursor"], None, 10)["items"] == []
    time.advance(1.5)
    later = event_feed.page("m1", page["next_cursor"], None, 1)
    assert names(later) == both(second)[:1] and later["has_more"] is True
    rest = event_feed.page("m1", later["next_cursor"], None, 10)
    assert names(rest) == both(second)[1:] and rest["has_more"] is False


def test_since_now_starts_after_what_exists_and_other_merchants_events_never_show(fakes: Fakes, time: Clock) -> None:
    add_merchant(fakes)
    add_merchant(fakes, "m2")
    pay()
    time.advance(5)
    start = event_feed.page("m1", None, "now", 10)
    assert start["items"] == []
    time.advance(0.001)
    mine, theirs = pay(), pay("m2")
    time.advance(5)
    page = event_feed.page("m1", start["next_cursor"], None, 10)
    assert names(page) == both(mine)
    assert theirs not in {entity for entity, _ in names(event_feed.page("m1", None, None, 100))}


def test_a_cursor_is_refused_elsewhere_and_when_forged(fakes: Fakes, time: Clock) -> None:
    add_merchant(fakes)
    cursor = event_feed.page("m1", None, None, 10)["next_cursor"]
    with pytest.raises(BadRequest):
        event_feed.page("m2", cursor, None, 10)
    with pytest.raises(BadRequest):
        event_feed.page("m1", "not-a-cursor", None, 10)


def upi_payment(outcome: str | None) -> CreatePayment:
    return CreatePayment.model_validate(
        {"order_id": "order_1", "method": "upi", "vpa": "buyer@okbank", "test_outcome": outcome}
    )


def test_a_test_outcome_is_the_matching_test_instrument_only_where_test_endpoints_are_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _request("m1", upi_payment("decline")).instrument == payment_rules.INSTRUMENT_DECLINE
    assert _request("m1", upi_payment("failure")).instrument == payment_rules.INSTRUMENT_FAIL
    assert _request("m1", upi_payment(None)).instrument is None
    monkeypatch.setenv("TEST_ENDPOINTS", "false")
    settings.cache_clear()
    with pytest.raises(BadRequest) as refused:
        _request("m1", upi_payment("success"))
    assert refused.value.field == "test_outcome" and "TEST_ENDPOINTS" in str(refused.value)
    assert _request("m1", upi_payment(None)).instrument is None  # without the field, nothing changes


def test_a_test_outcome_is_part_of_the_idempotency_fingerprint_only_when_given() -> None:
    """A retry under an Idempotency-Key stored before the field existed still matches; a retry
    asking for another outcome does not."""
    plain = upi_payment(None).idempotency_view("m1")
    assert "test_outcome" not in plain
    assert plain == {"order_id": "order_1", "method": "upi", "vpa": "buyer@okbank"}
    assert upi_payment("decline").idempotency_view("m1") == {**plain, "test_outcome": "decline"}
