"""`make run` keeps its state: Ctrl-C, start again, and every entity, setting, session and secret is
there, and the work that was queued finishes. FRESH=1 starts empty."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
import requests
from standardwebhooks import Webhook

from chalicelib.domain import clock
from tests.support.api import UPI_SUCCESS
from tests.support.dynamodb_client import dynamodb_client
from tests.support.local_stack import LocalStack
from tests.support.receiver import Answer, Receiver
from tests.support.waiting import eventually

# Each test starts `make run`'s stack two or three times (a JVM and a dozen processes each time): on a
# loaded machine each start can take a minute or more, hence the generous deadlines.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SETTINGS = {
    "TEST_MODE": "true",
    "TEST_PAYMENT_SUCCESS": "true",
    "WEBHOOK_RETRY_INTERVALS_TEST": "true",  # retries after 5, 10, 15, 20 s
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "QUEUE_VISIBILITY_TIMEOUT": "3",
    "API_ACCESS_LOG": "0",
}


@pytest.fixture
def stacks(tmp_path):
    started: list[LocalStack] = []

    def make(name: str, **settings: str) -> LocalStack:
        stack = LocalStack(tmp_path / "state", f"{name}-{tmp_path.name}", **{**SETTINGS, **settings})
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.kill()


class Client:
    def __init__(self, stack: LocalStack, merchant: dict):
        self.base = stack.api_url
        self.http = requests.Session()
        self.http.auth = (merchant["api_key"], merchant["api_secret"])

    def get(self, path: str) -> dict:
        response = self.http.get(self.base + path, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict | None = None, **headers: str) -> dict:
        response = self.http.post(self.base + path, json=body, headers=headers, timeout=10)
        assert response.status_code in (200, 201, 202), response.text
        return response.json()


def new_merchant(stack: LocalStack, webhook_url: str) -> dict:
    response = requests.post(
        stack.api_url + "/api/v1/test/merchants", json={"name": "Restart", "webhook_url": webhook_url}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def status_of(client: Client, path: str) -> str:
    return client.get(path)["status"]


def restart(stack: LocalStack) -> None:
    assert stack.interrupt() == 0, stack.output()
    stack.start()
    stack.wait_ready()


def test_everything_survives_a_restart_then_a_newer_schema_stops_it_and_fresh_starts_empty(stacks):
    receiver = Receiver()
    stack = stacks("survives", TEST_PROCESSING_DELAY="500")
    try:
        stack.start()
        stack.wait_ready()
        assert "started fresh" in stack.output()
        merchant = new_merchant(stack, receiver.url)
        api = Client(stack, merchant)
        # A Standard Webhooks secret (whsec_<base64>), sealed with KMS like every secret.
        webhook_secret = api.post("/api/v1/merchant/webhook/secret")["webhook_secret"]
        order = api.post("/api/v1/orders", {"amount": 5000, "receipt": "r-restart"})
        payment = api.post("/api/v1/payments", {"order_id": order["id"], **UPI_SUCCESS}, **{"Idempotency-Key": "k1"})
        eventually(lambda: status_of(api, f"/api/v1/payments/{payment['id']}") == "success", timeout=30)
        refund = api.post(f"/api/v1/payments/{payment['id']}/refund", {"amount": 1000})
        eventually(lambda: status_of(api, f"/api/v1/refunds/{refund['id']}") == "processed", timeout=30)
        receiver.wait_for("refund.processed", refund["id"], timeout=30)
        login = requests.post(
            stack.api_url + "/api/v1/dashboard/login",
            json={"email": merchant["email"], "password": merchant["password"]},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        before = {
            path: api.get(path)
            for path in (
                f"/api/v1/orders/{order['id']}",
                f"/api/v1/payments/{payment['id']}",
                f"/api/v1/refunds/{refund['id']}",
                "/api/v1/orders",
                "/api/v1/payments",
                "/api/v1/refunds",
                "/api/v1/merchant",
            )
        }
        # The receiver records a POST before it answers, and the gateway writes "success" after.
        deliveries = eventually(
            lambda: (
                (found := {item["id"]: item["status"] for item in api.get("/api/v1/webhooks?limit=100")["data"]})
                and len(found) >= 5
                and set(found.values()) == {"success"}
                and found
            ),
            message="every delivery recorded as a success",
        )

        restart(stack)

        assert "resumed state from" in stack.output(), stack.output()
        assert "1 orders, 1 payments, 1 refunds" in stack.output()
        for path, body in before.items():
            assert api.get(path) == body, path
        after = {item["id"]: item["status"] for item in api.get("/api/v1/webhooks?limit=100")["data"]}
        assert after == deliveries
        # The same Idempotency-Key finds the same payment.
        again = api.post("/api/v1/payments", {"order_id": order["id"], **UPI_SUCCESS}, **{"Idempotency-Key": "k1"})
        assert again["id"] == payment["id"]
        # The dashboard session still works, and the secrets sealed before the restart open.
        bearer = {"Authorization": f"Bearer {token}"}
        profile = requests.get(stack.api_url + "/api/v1/merchant", headers=bearer, timeout=10)
        assert profile.status_code == 200 and profile.json()["id"] == merchant["id"]
        revealed = requests.post(
            stack.api_url + "/api/v1/merchant/credentials/reveal",
            headers=bearer,
            json={"password": merchant["password"]},
            timeout=10,
        )
        assert revealed.status_code == 200, revealed.text
        assert revealed.json()["api_secret"] == merchant["api_secret"]
        assert revealed.json()["webhook_secret"] == webhook_secret
        # A delivery after the restart is signed with the secret set before it.
        test = api.post("/api/v1/merchant/webhook/test")
        [received] = receiver.wait_for("webhook.test", timeout=30)
        assert received.headers["webhook-id"] == test["id"]
        assert Webhook(webhook_secret).verify(received.body, received.headers)["event"] == "webhook.test"
        # It was regenerated before the restart, and regenerating is a rotation with an overlap
        # (issue 15): the new secret's hex signature rides in X-Webhook-Signature-New until the
        # merchant promotes it, the main header keeping the replaced secret meanwhile.
        expected = hmac.new(webhook_secret.encode(), received.body, hashlib.sha256).hexdigest()
        assert received.headers["X-Webhook-Signature-New"] == expected
        # The same state goes on to the next test's two cases: each start of `make run` costs a
        # JVM and a dozen processes, so the cases share starts rather than each making its own.
        newer_schema_stops_the_stack_and_fresh_starts_empty(stack, api, order["id"])
    finally:
        receiver.stop()


def test_work_queued_before_a_restart_finishes_after_it(stacks):
    """A payment and a refund still waiting for the bank, and a delivery between two attempts of its
    retry schedule (the first failed, the next is due in the future): SQS forgets them all with the
    stack, and the restarted stack finishes every one."""
    receiver = Receiver()
    # Ten seconds of simulated bank: the second payment and the refund must still be pending at the
    # stop, whatever the machine's stalls (with four seconds, a 4 s stall before Ctrl-C failed).
    stack = stacks("resumes", TEST_PROCESSING_DELAY="10000")
    try:
        stack.start()
        stack.wait_ready()
        merchant = new_merchant(stack, receiver.url)
        api = Client(stack, merchant)
        paid_order = api.post("/api/v1/orders", {"amount": 5000})
        paid = api.post("/api/v1/payments", {"order_id": paid_order["id"], **UPI_SUCCESS})
        receiver.wait_for("payment.success", paid["id"], timeout=60)  # its deliveries are done
        receiver.default = Answer(500)  # every attempt fails until the restart: the test event's first one too
        test = api.post("/api/v1/merchant/webhook/test")
        delivery = eventually(
            lambda: (found := api.get(f"/api/v1/webhooks/{test['id']}"))["attempts"] == 1 and found,
            timeout=20,
            message="the first attempt to be recorded",
        )
        refund = api.post(f"/api/v1/payments/{paid['id']}/refund", {"amount": 1000})
        order = api.post("/api/v1/orders", {"amount": 7000})
        payment = api.post("/api/v1/payments", {"order_id": order["id"], **UPI_SUCCESS})
        # Between two attempts: its next is scheduled (when it comes is checked after the restart).
        assert delivery["status"] == "pending" and delivery["next_retry_at"]
        assert status_of(api, f"/api/v1/payments/{payment['id']}") == "pending"
        assert status_of(api, f"/api/v1/refunds/{refund['id']}") == "pending"
        assert stack.interrupt() == 0
        stopped_at = time.time()
        receiver.default = Answer()  # the receiver is back: attempts after the restart succeed

        stack.start()
        stack.wait_ready()
        assert "resumed state from" in stack.output()
        assert "pending jobs re-queued" in stack.output() and "1 payments" in stack.output()

        eventually(lambda: status_of(api, f"/api/v1/payments/{payment['id']}") == "success", timeout=90)
        eventually(lambda: status_of(api, f"/api/v1/refunds/{refund['id']}") == "processed", timeout=90)
        done = eventually(
            lambda: (found := api.get(f"/api/v1/webhooks/{test['id']}"))["status"] == "success" and found,
            timeout=90,
            message="the delivery to finish",
        )
        assert done["attempts"] >= 2  # one failed before the stop; the one that succeeded came after it
        second = receiver.events("webhook.test")[-1]
        assert second.at > stopped_at
        assert clock.iso(clock.from_epoch(second.at)) >= delivery["next_retry_at"]  # not before it was due
        receiver.wait_for("payment.success", payment["id"], timeout=30)
        receiver.wait_for("refund.processed", refund["id"], timeout=30)
        assert stack.interrupt() == 0
    finally:
        receiver.stop()


def newer_schema_stops_the_stack_and_fresh_starts_empty(stack: LocalStack, api: Client, order_id: str) -> None:
    """On a running stack with state: data written by a newer release stops the next start with
    exit code 2 and a message, and FRESH=1 then starts empty."""
    dynamodb = dynamodb_client(stack.dynamodb_url)
    dynamodb.put_item(TableName="paygw-local-schema", Item={"id": {"S": "version"}, "version": {"N": "999"}})
    assert stack.interrupt() == 0

    stack.start()
    assert stack.wait_exit() == 2
    assert "schema version 999, newer than this code's" in stack.output()
    assert "Traceback" not in stack.output()

    stack.start(FRESH="1")
    stack.wait_ready()
    assert "FRESH: deleted the state" in stack.output() and "started fresh" in stack.output()
    gone = requests.get(stack.api_url + f"/api/v1/orders/{order_id}", auth=api.http.auth, timeout=10)
    assert gone.status_code == 401  # the merchant is gone with its order: a fresh state
    assert stack.interrupt() == 0
