"""Pure domain rules: no AWS, no HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain import delays, deliveries, ids, instruments, money, retry
from chalicelib.domain import payments as payment_rules
from chalicelib.domain import refunds as refund_rules


def test_ids_have_prefix_and_16_alphanumerics():
    value = ids.new_id("order")
    assert ids.has_shape(value, "order")
    assert len({ids.new_id("pay") for _ in range(1000)}) == 1000


def test_derived_ids_are_stable_and_distinct():
    assert ids.derived_id("evt", "pay_1", "payment.success") == ids.derived_id("evt", "pay_1", "payment.success")
    assert ids.derived_id("evt", "pay_1", "payment.success") != ids.derived_id("evt", "pay_1", "payment.failed")
    assert ids.has_shape(ids.derived_id("evt", "x"), "evt")


@pytest.mark.parametrize(
    "number,valid",
    [
        ("4111111111111111", True),
        ("4000000000000002", True),
        ("5555555555554444", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("1234", False),
        ("abcd", False),
    ],
)
def test_luhn(number, valid):
    assert instruments.passes_luhn(number) is valid


@pytest.mark.parametrize(
    "number,network",
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2221000000000009", "mastercard"),
        ("378282246310005", "amex"),
        ("6521501234567893", "rupay"),
        ("6071234567890120", "rupay"),
        ("9999999999999995", "unknown"),
    ],
)
def test_card_network(number, network):
    assert instruments.card_network(number) == network


def test_expiry_accepts_this_month_and_two_digit_years():
    today = datetime(2026, 11, 28, tzinfo=UTC)
    assert not instruments.is_expired(11, 2026, today)
    assert not instruments.is_expired(11, 26, today)
    assert instruments.is_expired(10, 2026, today)
    assert instruments.is_expired(12, 25, today)


@pytest.mark.parametrize(
    "vpa,valid",
    [
        ("success@test", True),
        ("john.doe-1@okhdfc", True),
        ("a@b", False),
        ("@upi", False),
        ("name@", False),
        ("na me@upi", False),
        ("name@@upi", False),
    ],
)
def test_vpa(vpa, valid):
    assert instruments.is_valid_vpa(vpa) is valid


def test_test_instruments_decide_regardless_of_mode():
    for test_mode in (True, False):
        for success in (True, False):
            assert payment_rules.decide_outcome("upi", "succeed", test_mode, success).status == "success"
            assert payment_rules.decide_outcome("upi", "fail", test_mode, success).error_code == "PAYMENT_FAILED"
            assert payment_rules.decide_outcome("card", "decline", test_mode, success).error_code == "CARD_DECLINED"
    assert payment_rules.test_instrument("upi", "SUCCESS@test", None) == "succeed"
    assert payment_rules.test_instrument("card", None, "4000000000000002") == "decline"
    assert payment_rules.test_instrument("card", None, "5555555555554444") is None


def test_test_mode_follows_the_flag_and_live_mode_follows_the_odds():
    assert payment_rules.decide_outcome("card", None, True, True).status == "success"
    assert payment_rules.decide_outcome("card", None, True, False).status == "failed"
    import random

    rng = random.Random(7)
    upi = [payment_rules.decide_outcome("upi", None, False, False, rng).status for _ in range(4000)]
    card = [payment_rules.decide_outcome("card", None, False, False, rng).status for _ in range(4000)]
    assert 0.88 < upi.count("success") / 4000 < 0.92
    assert 0.935 < card.count("success") / 4000 < 0.965


def test_delays():
    assert delays.simulated_delay_ms(True, 0, (5000, 10000)) == 0
    assert delays.simulated_delay_ms(True, 1500, (5000, 10000)) == 1500
    assert all(5000 <= delays.simulated_delay_ms(False, 0, (5000, 10000)) <= 10000 for _ in range(100))
    assert [delays.whole_seconds(ms) for ms in (0, 1, 999, 1000, 1001)] == [0, 1, 1, 1, 2]


def test_capture_and_refund_rules():
    def capture(status="success", captured=False, refunded=0, amount=500, currency=None):
        return payment_rules.capture_error(status, captured, refunded, 500, "INR", amount, currency)

    assert capture() is None and capture(currency="INR") is None and capture(currency="inr") is None
    not_capturable = ("Payment not in capturable state", None)
    assert capture(status="pending") == capture(status="failed") == capture(captured=True) == not_capturable
    assert capture(refunded=1) == capture(refunded=500) == not_capturable  # any refund, pending or processed
    assert capture(refunded=1, amount=100) == not_capturable  # the state is the first reason
    for wrong in (1, 100, 499, 501, 10**12):
        assert capture(amount=wrong) == ("The capture amount must equal the payment amount (500)", "amount")
    assert capture(currency="USD") == ("The capture currency must be the payment's currency (INR)", "currency")
    assert capture(amount=1, currency="USD")[1] == "amount"
    assert refund_rules.refund_error("success", 1000, 400, 600) is None
    assert refund_rules.refund_error("success", 1000, 400, 601) == "Refund amount exceeds available amount"
    assert refund_rules.refund_error("failed", 1000, 0, 1) == "Payment not in refundable state"
    assert [payment_rules.refund_status(1000, r) for r in (0, 1, 1000)] == [None, "partial", "full"]


def test_retry_schedule():
    assert [retry.wait_before_attempt(n, False) for n in range(2, 7)] == [60, 300, 1800, 7200, None]
    assert [retry.wait_before_attempt(n, True) for n in range(2, 7)] == [5, 10, 15, 20, None]


def test_money():
    assert money.is_known_currency("INR") and money.is_known_currency("JPY") and not money.is_known_currency("XYZ")
    assert money.format_amount(50000, "INR") == "500.00 INR"
    assert money.format_amount(500, "JPY") == "500 JPY"
    assert money.format_amount(1234, "KWD") == "1.234 KWD"
    assert money.MAX_AMOUNT < 2**53


@pytest.mark.parametrize(
    "url,blocked,error",
    [
        ("https://example.com/hook", True, None),
        ("http://127.0.0.1:4000/webhook", False, None),
        ("http://127.0.0.1:4000/webhook", True, "private"),
        ("http://10.0.0.5/x", True, "private"),
        ("http://localhost/x", True, "private"),
        ("ftp://example.com/x", False, "absolute http or https"),
        ("/relative", False, "absolute http or https"),
        ("http://example.com:99999/x", False, "not a valid URL"),
        ("http://100.64.0.1/x", True, "private"),  # carrier-grade NAT
        ("http://[::ffff:10.0.0.1]/x", True, "private"),
        ("http://169.254.169.254/latest/meta-data", False, "metadata"),  # even where private is allowed
        ("http://[fd00:ec2::254]/x", False, "metadata"),
        ("http://metadata.google.internal/x", False, "metadata"),
    ],
)
def test_webhook_url_rules(url, blocked, error):
    problem = deliveries.url_error(url, blocked, allow_http=True)
    assert (problem is None) if error is None else (error in problem)


@pytest.mark.parametrize(
    "url,allow_http,error",
    [
        ("http://example.com/hook", False, "must use https"),
        ("http://example.com/hook", True, None),
        ("https://example.com/hook", False, None),
        ("http://127.0.0.1/hook", False, "private"),  # the more telling reason first
    ],
)
def test_webhook_urls_are_https_unless_a_stage_allows_http(url, allow_http, error):
    problem = deliveries.url_error(url, True, allow_http=allow_http)
    assert (problem is None) if error is None else (error in problem)
