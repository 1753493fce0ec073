"""Razorpay's documented test instruments, so a page or test written for Razorpay's test mode
behaves the same here (docs/razorpay.md, "Checkout").

From Razorpay's "Test Card Details" and "Test Integration" pages: UPI `success@razorpay` and
`failure@razorpay`; the Indian and international test cards succeed; each error-scenario card
fails with its documented reason and description. Razorpay's own test mode shows a mock bank
page where the buyer picks success or failure; here the card alone decides, as the gateway's own
test instruments do (domain/payments.py).
"""

from __future__ import annotations

from dataclasses import dataclass

SUCCESS_VPA = "success@razorpay"
FAILURE_VPA = "failure@razorpay"

SUCCESS_CARDS = frozenset(
    {
        # Indian payments: Visa, Mastercard, RuPay, Diners, Amex.
        "4100280000001007",
        "5500670000001002",
        "6527658900001005",
        "36082800091007",
        "340256000401007",
    }
)
# Razorpay's international test cards (5555 5555 5555 4444, 5105 1051 0510 5100, 5104 0600 0000 0008,
# 4012 8888 8888 1881) stay ordinary cards, whose outcome the test-mode settings decide: the seed's
# API has always treated 5555 5555 5555 4444 so, and its users' tests rely on it (docs/decisions.md).


@dataclass(frozen=True)
class Failure:
    """A documented failure: Razorpay's error `code`, `reason`, `description`, and where it
    happened (`source`, `step`), as its checkout reports them in payment.failed."""

    code: str
    reason: str
    description: str
    source: str
    step: str = "payment_authorization"

    @property
    def error_code(self) -> str:
        """The gateway's own error_code for it: the reason in the seed's upper-case style."""
        return self.reason.upper()


_BAD_REQUEST = "BAD_REQUEST_ERROR"
_GATEWAY = "GATEWAY_ERROR"

FAILURES = (
    Failure(
        _BAD_REQUEST,
        "payment_timed_out",
        "Your payment could not be completed due to a temporary issue. Try again later.",
        "customer",
    ),
    # The card table says `insufficient_fund`; the card error codes page, the reason a merchant
    # handles, says `insufficient_funds`: the latter is what the error carries.
    Failure(
        _BAD_REQUEST,
        "insufficient_funds",
        "Your payment could not be completed due to insufficient account balance. Try another card or payment method.",
        "bank",
    ),
    Failure(
        _BAD_REQUEST,
        "payment_cancelled",
        "Your payment has been cancelled. Try again or complete the payment later.",
        "customer",
    ),
    Failure(
        _BAD_REQUEST,
        "card_declined",
        "Your payment did not go through as it was declined by the bank. "
        "Try another payment method or contact your bank.",
        "bank",
    ),
    Failure(
        _BAD_REQUEST,
        "card_disabled_for_online_payments",
        "Your card is disabled for online payments. Please reach to your bank or try with another card.",
        "bank",
    ),
    Failure(
        _BAD_REQUEST,
        "card_number_invalid",
        "You have entered an incorrect card number. Try again.",
        "customer",
    ),
    Failure(
        _GATEWAY,
        "gateway_technical_error",
        "Your payment did not go through due to a temporary issue. "
        "Any debited amount will be refunded in 4-5 business days.",
        "gateway",
    ),
    Failure(
        _GATEWAY,
        "authentication_failed",
        "Your payment could not be completed due to incorrect OTP or verification details. "
        "Try another payment method or contact your bank for details.",
        "customer",
        "payment_authentication",
    ),
)
_BY_REASON = {failure.reason: failure for failure in FAILURES}

FAILURE_CARDS = {
    "4100280000090000": "payment_timed_out",
    "5305620000060000": "payment_timed_out",
    "4100280000080001": "insufficient_funds",
    "5305620000050001": "insufficient_funds",
    "4100280000070002": "payment_cancelled",
    "5305620000040002": "payment_cancelled",
    "4100280000060003": "card_declined",
    "5305620000030003": "card_declined",
    "4100280000050004": "card_declined",
    "5305620000020004": "card_declined",
    "4100280000040005": "card_declined",
    "5305620000010005": "card_declined",
    "4100280000030006": "card_disabled_for_online_payments",
    "5305620000000006": "card_disabled_for_online_payments",
    "4100280000010008": "card_number_invalid",
    "5305620000080008": "card_number_invalid",
    "4100280000020007": "gateway_technical_error",
    "5305620000090007": "gateway_technical_error",
    "4100280000000009": "authentication_failed",
    "5305620000070009": "authentication_failed",
}

# The fingerprint a payment keeps for a failure card (never the number): this prefix and the reason.
FAILURE_INSTRUMENT_PREFIX = "razorpay:"


def failure_instrument(card_number: str) -> str | None:
    reason = FAILURE_CARDS.get(card_number)
    return FAILURE_INSTRUMENT_PREFIX + reason if reason else None


def failure_of_instrument(instrument: str | None) -> Failure | None:
    if not instrument or not instrument.startswith(FAILURE_INSTRUMENT_PREFIX):
        return None
    return _BY_REASON.get(instrument[len(FAILURE_INSTRUMENT_PREFIX) :])


def failure_of_error_code(error_code: str | None) -> Failure | None:
    """Razorpay's description of a failed payment's error_code, when it is one of its reasons."""
    return _BY_REASON.get(error_code.lower()) if error_code else None
