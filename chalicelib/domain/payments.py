"""Payment rules: the state machine, how an outcome is decided, and when a payment may be captured."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import razorpay_instruments as razorpay

PENDING, SUCCESS, FAILED = "pending", "success", "failed"
FINAL_STATES = (SUCCESS, FAILED)
METHODS = ("upi", "card")

# Test instruments behave the same in every mode, so integrations can rehearse both outcomes.
ALWAYS_SUCCEED_VPA = "success@test"
ALWAYS_FAIL_VPA = "failure@test"
ALWAYS_SUCCEED_CARD = "4111111111111111"
ALWAYS_DECLINE_CARD = "4000000000000002"

# The fingerprint of a test instrument, kept on the payment instead of the card number.
INSTRUMENT_SUCCEED = "succeed"
INSTRUMENT_FAIL = "fail"
INSTRUMENT_DECLINE = "decline"

SUCCESS_PROBABILITY = {"upi": 0.90, "card": 0.95}
LIVE_DELAY_RANGE_MS = (5000, 10000)


@dataclass(frozen=True)
class Outcome:
    status: str
    error_code: str | None = None
    error_description: str | None = None
    capture: bool = False  # a success captured in the same write (its order's payment_capture)


_TEST_VPAS = {
    ALWAYS_SUCCEED_VPA: INSTRUMENT_SUCCEED,
    ALWAYS_FAIL_VPA: INSTRUMENT_FAIL,
    razorpay.SUCCESS_VPA: INSTRUMENT_SUCCEED,
    razorpay.FAILURE_VPA: INSTRUMENT_FAIL,
}


def test_instrument(method: str, vpa: str | None, card_number: str | None) -> str | None:
    """The gateway's own test instruments and Razorpay's documented ones (razorpay_instruments)."""
    if method == "upi" and vpa:
        return _TEST_VPAS.get(vpa.lower())
    if method == "card" and card_number:
        if card_number == ALWAYS_SUCCEED_CARD or card_number in razorpay.SUCCESS_CARDS:
            return INSTRUMENT_SUCCEED
        if card_number == ALWAYS_DECLINE_CARD:
            return INSTRUMENT_DECLINE
        return razorpay.failure_instrument(card_number)
    return None


TEST_OUTCOMES = {"success": INSTRUMENT_SUCCEED, "failure": INSTRUMENT_FAIL, "decline": INSTRUMENT_DECLINE}
"""A per-request test outcome (where test endpoints are on) as the test instrument that has it."""


def decide_outcome(
    method: str, instrument: str | None, test_mode: bool, test_success: bool, rng: random.Random | None = None
) -> Outcome:
    if instrument == INSTRUMENT_SUCCEED:
        return Outcome(SUCCESS)
    if instrument == INSTRUMENT_DECLINE:
        return Outcome(FAILED, "CARD_DECLINED", "The card was declined by the issuing bank")
    if instrument == INSTRUMENT_FAIL:
        return Outcome(FAILED, "PAYMENT_FAILED", "The payment was declined by the payer's bank")
    documented = razorpay.failure_of_instrument(instrument)
    if documented is not None:
        return Outcome(FAILED, documented.error_code, documented.description)
    succeeded = test_success if test_mode else (rng or random).random() < SUCCESS_PROBABILITY[method]
    if succeeded:
        return Outcome(SUCCESS)
    return Outcome(FAILED, "PAYMENT_FAILED", "The payment could not be completed by the bank")


def capture_error(
    status: str,
    captured: bool,
    amount_refunded: int,
    payment_amount: int,
    payment_currency: str,
    capture_amount: int,
    capture_currency: str | None,
) -> tuple[str, str | None] | None:
    """(description, field) when a capture is not allowed, None when it is. Razorpay's rule: only a
    successful, uncaptured payment without any refund (pending or processed: any amount reserved)
    is captured, for exactly its amount, in its currency when one is given."""
    if status != SUCCESS or captured or amount_refunded > 0:
        return "Payment not in capturable state", None
    if capture_amount != payment_amount:
        return f"The capture amount must equal the payment amount ({payment_amount})", "amount"
    if capture_currency is not None and capture_currency.upper() != payment_currency:
        return f"The capture currency must be the payment's currency ({payment_currency})", "currency"
    return None


def refund_status(amount: int, amount_refunded: int) -> str | None:
    if amount_refunded <= 0:
        return None
    return "full" if amount_refunded >= amount else "partial"
