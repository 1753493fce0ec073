"""Crashes between every pair of steps, kill -9 of the functions, and hostile receivers.

The fault points (chalicelib/faults.py) crash a function once per entity at each named step;
SQS redelivers the job after the queue's visibility timeout (3 s here), and the redelivery must
complete what the crash interrupted, without doing anything twice."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import CARD_DECLINED, CARD_SUCCESS, UPI_FAILURE, UPI_SUCCESS, Api
from tests.support.receiver import Answer, Receiver
from tests.support.waiting import eventually

EVERY_STEP = ",".join(
    [
        "payment.after_load",
        "payment.after_transition",
        "payment.after_dispatch",
        "refund.after_load",
        "refund.after_transition",
        "refund.after_dispatch",
        "delivery.before_post",
        "delivery.after_post",
        "delivery.after_record",
    ]
)


@pytest.mark.slow
def test_crashes_between_every_step_lose_nothing_and_repeat_nothing(make_gateway):
    receiver = Receiver()
    stack = make_gateway(FAULT_INJECT=EVERY_STEP, TEST_PROCESSING_DELAY="0")
    api = Api(stack, stack.new_merchant(receiver.url))
    try:
        instruments = [UPI_SUCCESS, CARD_SUCCESS, UPI_FAILURE, CARD_DECLINED] * 2
        payments = [api.pay(instrument)["id"] for instrument in instruments]
        finals = {pid: api.wait_final(pid, timeout=90) for pid in payments}
        succeeded = [pid for pid, p in finals.items() if p["status"] == "success"]
        assert len(succeeded) == 4 and all(finals[pid]["status"] == "failed" for pid in payments[2::4] + payments[3::4])
        refunds = [api.post(f"/api/v1/payments/{pid}/refunds", {"amount": 1000}).json()["id"] for pid in succeeded]
        for refund_id in refunds:
            eventually(
                lambda r=refund_id: api.get(f"/api/v1/refunds/{r}").json()["status"] == "processed",
                timeout=90,
                message=f"{refund_id} processed",
            )

        deliveries = eventually(
            lambda: (
                (d := api.deliveries()) and len(d) == 3 * 8 + 2 * 4 and all(x["status"] == "success" for x in d) and d
            ),
            timeout=120,
            message="every event delivered",
        )
        # Every transition recorded its event exactly once...
        kinds = Counter(d["event"] for d in deliveries)
        assert kinds == {
            "payment.created": 8,
            "payment.pending": 8,
            "payment.success": 4,
            "payment.failed": 4,
            "refund.created": 4,
            "refund.processed": 4,
        }
        # ...and every event reached the receiver at least once, always under the same webhook-id.
        by_id: dict[str, set] = {}
        for received in receiver.events():
            by_id.setdefault(received.headers["webhook-id"], set()).add(received.body)
        assert set(by_id) == {d["id"] for d in deliveries}
        assert all(len(bodies) == 1 for bodies in by_id.values())  # redeliveries send the same bytes
        assert len(receiver.events()) > len(deliveries)  # the crashes after the POST did redeliver
        assert all(d["attempts"] == 1 for d in deliveries)  # a crash redelivery is not an attempt
        for pid in succeeded:
            assert api.payment(pid)["amount_refunded"] == 1000  # each refund reserved once
    finally:
        receiver.stop()


@pytest.mark.slow
def test_kill_minus_9_during_200_payments_loses_nothing(make_gateway):
    receiver = Receiver()
    stack = make_gateway(TEST_PROCESSING_DELAY="1000")
    api = Api(stack, stack.new_merchant(receiver.url))
    try:
        orders = [api.order(1000 + n) for n in range(200)]
        with ThreadPoolExecutor(16) as pool:
            created = list(pool.map(lambda order: Api(stack, api.merchant).pay(UPI_SUCCESS, order)["id"], orders))
        eventually(
            lambda: sum(1 for d in api.deliveries(status="success")) >= 20,
            timeout=30,
            message="the functions to be busy",
        )
        stack.kill_functions()
        stack.start_functions()
        for pid in created:
            assert api.wait_final(pid, timeout=120)["status"] == "success"
        total = eventually(
            lambda: (
                (page := api.get("/api/v1/webhooks", params={"status": "success"}).json())["total"] == 600
                and page["total"]
            ),
            timeout=120,
            message="all 600 events delivered",
        )
        assert total == 600
        delivered_ids = {r.headers["webhook-id"] for r in receiver.events()}
        assert len(delivered_ids) == 600
        payment_success = Counter(r.json["data"]["payment"]["id"] for r in receiver.events("payment.success"))
        assert set(payment_success) == set(created)
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    "answer,expected",
    [
        # A 410 fails at once and disables the endpoint: tests/integration/test_webhook_fan_out.py.
        (Answer(status=500), "500"),
        (Answer(delay=3.0), "Timed out"),
    ],
)
def test_hostile_receivers_are_failed_attempts_with_a_retry(gateway, answer, expected):
    receiver = Receiver()
    try:
        receiver.default = answer
        api = Api(gateway, gateway.new_merchant(receiver.url))
        test = api.post("/api/v1/merchant/webhook/test").json()
        detail = eventually(
            lambda: (d := api.get(f"/api/v1/webhooks/{test['id']}").json())["attempts"] == 1 and d, timeout=15
        )
        assert detail["status"] == "pending" and detail["next_retry_at"]
        attempt = detail["attempt_log"][0]
        assert expected in f"{attempt['response_code']} {attempt['error']}"
    finally:
        receiver.stop()


def test_a_refusing_receiver_is_a_failed_attempt_with_a_retry(gateway):
    receiver = Receiver()
    receiver.stop()
    api = Api(gateway, gateway.new_merchant(receiver.url))
    test = api.post("/api/v1/merchant/webhook/test").json()
    detail = eventually(lambda: (d := api.get(f"/api/v1/webhooks/{test['id']}").json())["attempts"] == 1 and d)
    assert detail["status"] == "pending" and detail["attempt_log"][0]["error"] == "Connection refused"
