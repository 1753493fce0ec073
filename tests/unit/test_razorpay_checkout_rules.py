"""Razorpay's checkout rules: the payment signature (checked with Razorpay's own client) and
Razorpay's documented test instruments (its "Test Card Details" and "Test Integration" pages)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import razorpay
from razorpay.errors import SignatureVerificationError

from chalicelib.api.responses import PaymentErrorCode
from chalicelib.domain import payments as payment_rules
from chalicelib.domain import razorpay_instruments as rzp
from chalicelib.domain.razorpay_signatures import is_valid_payment_signature, payment_signature

ORDER, PAYMENT, SECRET = "order_9A8b7C6d5E4f3G2h", "pay_1A2b3C4d5E6f7G8h", "secret_test_xyz789"


def verify(secret: str, order_id: str, payment_id: str, signature: str) -> bool:
    client = razorpay.Client(auth=("key_test_abc123", secret))
    return client.utility.verify_payment_signature(
        {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature}
    )


def test_razorpays_client_accepts_the_signature():
    signature = payment_signature(ORDER, PAYMENT, SECRET)
    assert len(signature) == 64 and signature == signature.lower()
    assert verify(SECRET, ORDER, PAYMENT, signature) is True
    assert is_valid_payment_signature(ORDER, PAYMENT, signature, SECRET)


@pytest.mark.parametrize(
    "secret,order_id,payment_id",
    [
        ("secret_other", ORDER, PAYMENT),  # another merchant's secret
        (SECRET, "order_0000000000000000", PAYMENT),  # the payment presented for another order
        (SECRET, ORDER, "pay_0000000000000000"),  # another payment of the order
        (SECRET, PAYMENT, ORDER),  # the two ids swapped
    ],
)
def test_the_signature_binds_the_secret_and_both_ids(secret, order_id, payment_id):
    signature = payment_signature(ORDER, PAYMENT, SECRET)
    with pytest.raises(SignatureVerificationError):
        verify(secret, order_id, payment_id, signature)
    assert not is_valid_payment_signature(order_id, payment_id, signature, secret)


@pytest.mark.parametrize("vpa", ["success@razorpay", "SUCCESS@razorpay"])
def test_success_at_razorpay_succeeds(vpa):
    instrument = payment_rules.test_instrument("upi", vpa, None)
    assert payment_rules.decide_outcome("upi", instrument, test_mode=False, test_success=False).status == "success"


def test_failure_at_razorpay_fails_even_where_test_payments_succeed():
    instrument = payment_rules.test_instrument("upi", "failure@razorpay", None)
    outcome = payment_rules.decide_outcome("upi", instrument, test_mode=True, test_success=True)
    assert (outcome.status, outcome.error_code) == ("failed", "PAYMENT_FAILED")


@pytest.mark.parametrize("number", sorted(rzp.SUCCESS_CARDS))
def test_razorpays_success_cards_succeed_even_where_test_payments_fail(number):
    instrument = payment_rules.test_instrument("card", None, number)
    assert instrument == payment_rules.INSTRUMENT_SUCCEED
    assert payment_rules.decide_outcome("card", instrument, test_mode=True, test_success=False).status == "success"


@pytest.mark.parametrize("number,reason", sorted(rzp.FAILURE_CARDS.items()))
def test_razorpays_error_cards_fail_with_their_documented_reason(number, reason):
    instrument = payment_rules.test_instrument("card", None, number)
    assert instrument is not None and number not in instrument  # a fingerprint, never the number
    outcome = payment_rules.decide_outcome("card", instrument, test_mode=True, test_success=True)
    failure = rzp.failure_of_error_code(outcome.error_code)
    assert outcome.status == "failed" and failure is not None and failure.reason == reason
    assert outcome.error_description == failure.description
    # The seed's API documents every error_code a payment can carry.
    assert outcome.error_code in typing.get_args(PaymentErrorCode)


def test_every_documented_reason_has_cards_of_both_networks():
    networks = {
        failure.reason: {number[0] for number, reason in rzp.FAILURE_CARDS.items() if reason == failure.reason}
        for failure in rzp.FAILURES
    }
    assert {failure.reason for failure in rzp.FAILURES} == set(rzp.FAILURE_CARDS.values())
    assert all(found == {"4", "5"} for found in networks.values())


def test_an_unknown_card_is_no_test_instrument():
    assert payment_rules.test_instrument("card", None, "4242424242424242") is None
    assert rzp.failure_of_instrument("razorpay:no_such_reason") is None


def test_the_checkouts_error_table_is_the_servers():
    """checkout/src/shared/razorpay.js builds payment.failed's error from the same table."""
    source = (Path(__file__).resolve().parents[2] / "checkout" / "src" / "shared" / "razorpay.js").read_text()
    table = source[source.index("DOCUMENTED_FAILURES = {") : source.index("};", source.index("DOCUMENTED_FAILURES"))]
    steps = {"AUTHORIZATION": "payment_authorization"}
    found = {
        reason: (code, where, steps.get(step, step.strip("'")))
        for reason, code, where, step in re.findall(r"(\w+): \['(\w+)', '(\w+)', ('[\w]+'|AUTHORIZATION)\]", table)
    }
    assert found == {failure.reason: (failure.code, failure.source, failure.step) for failure in rzp.FAILURES}
