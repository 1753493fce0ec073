"""Refunds over HTTP: creation and its limits under concurrency, asynchronous processing, reads."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import UPI_FAILURE, Api
from tests.support.sqs import queue_empty
from tests.support.waiting import eventually


@pytest.fixture
def api(gateway, receiver):
    return Api(gateway, gateway.new_merchant(receiver.url))


def refund(api: Api, payment_id: str, amount: int, path: str = "refunds", **kwargs):
    return api.post(f"/api/v1/payments/{payment_id}/{path}", {"amount": amount, **kwargs})


def test_create_a_partial_refund(api):
    payment = api.paid(amount=10000)
    response = refund(api, payment["id"], 2500, reason="damaged")
    assert response.status_code == 201
    created = response.json()
    assert re.fullmatch(r"rfnd_[A-Za-z0-9]{16}", created["id"])
    assert created == {
        "id": created["id"],
        "merchant_id": api.merchant.id,
        "payment_id": payment["id"],
        "amount": 2500,
        "currency": "INR",
        "reason": "damaged",
        "notes": {},
        "status": "pending",
        "created_at": created["created_at"],
        "processed_at": None,
    }
    after = api.payment(payment["id"])
    assert after["amount_refunded"] == 2500 and after["refund_status"] == "partial"


def test_refunds_are_processed_with_their_events(api, receiver):
    payment = api.paid(amount=10000)
    first = refund(api, payment["id"], 4000).json()
    second = refund(api, payment["id"], 6000, path="refund").json()  # the razorpay clients' path
    for created in (first, second):
        processed = eventually(
            lambda c=created: (r := api.get(f"/api/v1/refunds/{c['id']}").json())["status"] == "processed" and r
        )
        assert processed["processed_at"].endswith("Z") and processed["processed_at"] >= processed["created_at"]
        [created_event] = receiver.wait_for("refund.created", created["id"])
        [processed_event] = receiver.wait_for("refund.processed", created["id"])
        assert created_event.json["data"]["refund"]["status"] == "pending"
        assert processed_event.json["data"]["refund"] == processed
    final = api.payment(payment["id"])
    assert final["amount_refunded"] == 10000 and final["refund_status"] == "full"
    over = refund(api, payment["id"], 1)
    assert over.status_code == 400 and over.json()["error"]["description"] == "Refund amount exceeds available amount"


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({}, "amount", "amount is required"),
        ({"amount": 0}, "amount", "at least 1"),
        ({"amount": -5}, "amount", "at least 1"),
        ({"amount": "100"}, "amount", "must be an integer"),
        ({"amount": 1.5}, "amount", "must be an integer"),
        ({"amount": 100, "reason": "r" * 256}, "reason", "at most 255"),
        ({"amount": 100, "reason": "damaged\x00"}, "reason", "control characters (found U+0000"),
        ({"amount": 100, "notes": {"why": "\x1b[2J"}}, "notes.why", "control characters (found U+001B"),
        ({"amount": 100, "speed": "optimum"}, "speed", "not a recognised field"),
    ],
)
def test_invalid_refunds_are_400(api, body, field, message):
    payment = api.paid()
    response = api.post(f"/api/v1/payments/{payment['id']}/refunds", body)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert message in response.json()["error"]["description"]


def test_only_successful_payments_are_refundable(api, held_gateway):
    held = Api(held_gateway)
    pending = held.pay()
    response = refund(held, pending["id"], 100)
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "BAD_REQUEST_ERROR", "description": "Payment not in refundable state"}
    failed = api.wait_final(api.pay(UPI_FAILURE)["id"])
    assert refund(api, failed["id"], 100).json()["error"]["description"] == "Payment not in refundable state"
    payment = api.paid(amount=5000)
    too_much = refund(api, payment["id"], 5001)
    assert too_much.status_code == 400 and too_much.json()["error"] == {
        "code": "BAD_REQUEST_ERROR",
        "description": "Refund amount exceeds available amount",
        "field": "amount",
    }
    assert refund(api, "pay_0000000000000000", 100).status_code == 404


def test_twenty_parallel_partial_refunds_never_over_refund(api):
    payment = api.paid(amount=10000)
    amounts = [700] * 20  # 14000 asked for, 10000 available: exactly 14 fit
    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(
                lambda a: Api(api.gateway, api.merchant).post(
                    f"/api/v1/payments/{payment['id']}/refunds", {"amount": a}
                ),
                amounts,
            )
        )
    accepted = [r.json()["amount"] for r in responses if r.status_code == 201]
    refused = [r.json()["error"]["description"] for r in responses if r.status_code != 201]
    assert sum(accepted) <= 10000
    assert len(accepted) == 10000 // 700  # every request that fitted was accepted
    assert set(refused) == {"Refund amount exceeds available amount"}
    assert api.payment(payment["id"])["amount_refunded"] == sum(accepted)
    listed = api.get(f"/api/v1/payments/{payment['id']}/refunds", params={"limit": 100}).json()
    assert listed["total"] == len(accepted)


def test_uneven_parallel_refunds_fill_the_amount_exactly_when_they_can(api):
    payment = api.paid(amount=10000)
    amounts = [5000, 3000, 2000, 4000, 1000, 6000, 2500, 500] * 2
    with ThreadPoolExecutor(len(amounts)) as pool:
        responses = list(
            pool.map(
                lambda a: Api(api.gateway, api.merchant).post(
                    f"/api/v1/payments/{payment['id']}/refunds", {"amount": a}
                ),
                amounts,
            )
        )
    accepted = sum(r.json()["amount"] for r in responses if r.status_code == 201)
    assert accepted <= 10000
    smallest_refused = min((a for a, r in zip(amounts, responses, strict=False) if r.status_code != 201), default=None)
    if smallest_refused is not None:
        assert accepted + smallest_refused > 10000  # each refusal really did not fit at its turn


def test_a_redelivered_refund_job_transitions_once(gateway, api, receiver, aws):
    from chalicelib.aws import client

    payment = api.paid(amount=3000)
    created = refund(api, payment["id"], 1000).json()
    queue = client("sqs").get_queue_url(QueueName=f"paygw-{gateway.stage}-refund-jobs")["QueueUrl"]
    job = json.dumps({"refund_id": created["id"]})
    client("sqs").send_message(QueueUrl=queue, MessageBody=job, DelaySeconds=1)
    processed = eventually(
        lambda: (r := api.get(f"/api/v1/refunds/{created['id']}").json())["status"] == "processed" and r
    )
    receiver.wait_for("refund.processed", created["id"])
    client("sqs").send_message(QueueUrl=queue, MessageBody=job)
    client("sqs").send_message(QueueUrl=queue, MessageBody=job)
    eventually(lambda: queue_empty(client("sqs"), queue))
    assert api.get(f"/api/v1/refunds/{created['id']}").json() == processed
    events = [d for d in api.deliveries(event="refund.processed")]
    assert len(events) == 1
    assert len(receiver.events("refund.processed", created["id"])) == 1


@pytest.mark.slow
def test_a_crash_after_the_refund_transition_loses_nothing(make_gateway, receiver):
    crashing = make_gateway(FAULT_INJECT="refund.after_load,refund.after_transition", TEST_PROCESSING_DELAY="0")
    api = Api(crashing, crashing.new_merchant(receiver.url))
    payment = api.paid(amount=2000)
    created = refund(api, payment["id"], 2000).json()
    processed = receiver.wait_for("refund.processed", created["id"], timeout=30)
    assert len(processed) == 1
    assert api.get(f"/api/v1/refunds/{created['id']}").json()["status"] == "processed"


def test_reads(gateway, api):
    payment = api.paid(amount=9000)
    first = refund(api, payment["id"], 1000).json()
    second = refund(api, payment["id"], 2000).json()
    assert api.get(f"/api/v1/refunds/{first['id']}").json()["id"] == first["id"]
    assert api.get(f"/api/v1/payments/{payment['id']}/refunds/{second['id']}").json()["amount"] == 2000
    by_payment = api.get(f"/api/v1/payments/{payment['id']}/refunds").json()
    assert [r["id"] for r in by_payment["data"]] == [second["id"], first["id"]] and by_payment["total"] == 2
    everything = api.get("/api/v1/refunds", params={"limit": 1}).json()
    assert everything["total"] == 2 and [r["id"] for r in everything["data"]] == [second["id"]]
    other_payment = api.paid(amount=500)
    assert api.get(f"/api/v1/payments/{other_payment['id']}/refunds/{first['id']}").status_code == 404
    stranger = Api(gateway)
    assert stranger.get(f"/api/v1/refunds/{first['id']}").status_code == 404
    assert stranger.get(f"/api/v1/payments/{payment['id']}/refunds").status_code == 404
    assert stranger.get(f"/api/v1/payments/{payment['id']}/refunds/{first['id']}").status_code == 404
    assert refund(stranger, payment["id"], 100).status_code == 404
    assert stranger.get("/api/v1/refunds").json()["total"] == 0


def test_refund_idempotency(api):
    payment = api.paid(amount=5000)
    headers = {"Idempotency-Key": "refund-1"}
    first = api.post(f"/api/v1/payments/{payment['id']}/refunds", {"amount": 1000}, headers=headers)
    again = api.post(f"/api/v1/payments/{payment['id']}/refunds", {"amount": 1000}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.payment(payment["id"])["amount_refunded"] == 1000
    different = api.post(f"/api/v1/payments/{payment['id']}/refunds", {"amount": 999}, headers=headers)
    assert different.status_code == 422
