"""Idempotency that cannot return the wrong thing, over HTTP: keys scoped per merchant and caller
kind, a retry under a key compared with what the key created, and a 5xx never kept as the key's
answer while a retry after a 5xx that committed finds the committed entity."""

from __future__ import annotations

import pytest
import requests

from tests.support.api import CARD_SUCCESS, UPI_SUCCESS, Api
from tests.support.waiting import eventually


@pytest.fixture
def api(gateway):
    return Api(gateway)


def test_a_checkout_key_does_not_block_the_merchants_own_calls_with_that_key(gateway, api):
    """Issue 14, defect 5: the anonymous checkout used "shared-1"; the merchant's refund with the
    same key was refused with 422."""
    headers = {"Idempotency-Key": "shared-1"}
    checkout = requests.post(
        f"{gateway.api_url}/api/v1/payments/public",
        headers=headers,
        json={"key": api.merchant.api_key, "order_id": api.order()["id"], **UPI_SUCCESS},
    )
    assert checkout.status_code == 201, checkout.text
    paid = api.paid()
    refund = api.post(f"/api/v1/payments/{paid['id']}/refunds", {"amount": 100}, headers=headers)
    assert refund.status_code == 201, refund.text
    assert "Idempotent-Replayed" not in refund.headers
    # A merchant payment under a key the checkout used is the merchant's own, not the checkout's.
    other = {"Idempotency-Key": "shared-2"}
    checkout_2 = requests.post(
        f"{gateway.api_url}/api/v1/payments/public",
        headers=other,
        json={"key": api.merchant.api_key, "order_id": api.order()["id"], **UPI_SUCCESS},
    )
    own = api.post("/api/v1/payments", {"order_id": api.order()["id"], **UPI_SUCCESS}, headers=other)
    assert own.status_code == 201 and "Idempotent-Replayed" not in own.headers, own.text
    assert own.json()["id"] != checkout_2.json()["id"]
    # And each scope still replays its own answer.
    again = requests.post(
        f"{gateway.api_url}/api/v1/payments/public",
        headers=headers,
        json={"key": api.merchant.api_key, "order_id": checkout.json()["order_id"], **UPI_SUCCESS},
    )
    assert again.json() == checkout.json() and again.headers["Idempotent-Replayed"] == "true"


def test_keys_of_two_merchants_never_meet(gateway, api):
    other = Api(gateway)
    headers = {"Idempotency-Key": "same-everywhere"}
    mine = api.post("/api/v1/orders", {"amount": 500}, headers=headers)
    theirs = other.post("/api/v1/orders", {"amount": 900}, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and theirs.json()["amount"] == 900


@pytest.fixture(scope="module")
def erring(make_module_gateway):
    """The API answers 500 right after the payment's transaction committed, and lives on."""
    return make_module_gateway(FAULT_INJECT="api.payment_written:error", TEST_PROCESSING_DELAY="0")


def test_a_5xx_after_the_commit_is_not_kept_and_the_retry_returns_the_committed_payment(erring):
    api = Api(erring, erring.test_merchant)  # no new merchant: its scrypt and KMS calls are slow under load
    order = api.order()
    body = {"order_id": order["id"], **UPI_SUCCESS}
    headers = {"Idempotency-Key": "five-hundred"}
    failed = api.post("/api/v1/payments", body, headers=headers)
    assert failed.status_code == 500, failed.text
    committed = api.get(f"/api/v1/orders/{order['id']}/payments").json()["data"]
    assert len(committed) == 1  # the payment was written before the failure
    retried = api.post("/api/v1/payments", body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers  # the 500 was not the key's answer
    assert retried.json()["id"] == committed[0]["id"]
    assert api.wait_final(committed[0]["id"])["status"] == "success"
    assert api.get(f"/api/v1/orders/{order['id']}/payments").json()["total"] == 1


def test_after_a_5xx_another_request_under_the_key_is_refused_not_answered_with_the_first(erring):
    """Issue 14, defect 4: retried with the same key and a corrected body (another order), the API
    answered 201 with the first order's payment."""
    api = Api(erring, erring.test_merchant)  # no new merchant: its scrypt and KMS calls are slow under load
    first_order, second_order = api.order(), api.order(777)
    headers = {"Idempotency-Key": "corrected-body"}
    failed = api.post("/api/v1/payments", {"order_id": first_order["id"], **UPI_SUCCESS}, headers=headers)
    assert failed.status_code == 500
    corrected = api.post("/api/v1/payments", {"order_id": second_order["id"], **UPI_SUCCESS}, headers=headers)
    assert corrected.status_code == 422, corrected.text
    assert corrected.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    other_card = api.post("/api/v1/payments", {"order_id": first_order["id"], **CARD_SUCCESS}, headers=headers)
    assert other_card.status_code == 422 and other_card.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert api.get(f"/api/v1/orders/{second_order['id']}/payments").json()["total"] == 0
    # The request itself, retried, still gets its payment.
    same = api.post("/api/v1/payments", {"order_id": first_order["id"], **UPI_SUCCESS}, headers=headers)
    assert same.status_code == 201 and same.json()["order_id"] == first_order["id"]


@pytest.mark.slow
def test_after_a_crash_a_retry_with_another_card_is_refused(make_gateway):
    """The crash (no answer at all) leaves the key locked until the lock lapses; then a request
    with the same order but another card of the same last four is another request: 422."""
    stack = make_gateway(FAULT_INJECT="api.payment_written", IDEMPOTENCY_LOCK_SECONDS="3", TEST_PROCESSING_DELAY="0")
    api = Api(stack)
    order = api.order()
    card = {"expiry_month": 11, "expiry_year": 2035, "cvv": "123"}
    headers = {"Idempotency-Key": "crash-card"}
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(
            "/api/v1/payments",
            {"order_id": order["id"], "method": "card", "card": {**card, "number": "4242424242424242"}},
            headers=headers,
        )
    other_card = {"order_id": order["id"], "method": "card", "card": {**card, "number": "4242421842424242"}}
    [refused] = eventually(
        lambda: (r := api.post("/api/v1/payments", other_card, headers=headers)).status_code != 409 and [r],
        timeout=20,
        message="the lock to lapse",
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
