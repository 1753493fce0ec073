"""Chaos mode on the session's stack (CHAOS_ENABLED, as `make run` sets it): a payment's
payment.created event reaches two endpoints of one merchant, its first attempt to each duplicated
and then "crashed" (redelivered). A naive receiver (it processes every POST) counts it three times; the example
receiver (infra/local/receiver.py) processes it once. The delivery log marks chaos."""

from __future__ import annotations

from collections import Counter

from tests.integration.test_webhook_docs import Program, running
from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.support.waiting import eventually

CHAOS = {"duplicate": 1, "crash": 1}
EXAMPLE = Program("example-receiver", "python", None)


def test_chaos_catches_a_naive_receiver_and_the_example_receiver_passes(gateway, tmp_path):
    naive = Receiver()
    try:
        merchant = gateway.new_merchant(naive.url)
        api = Api(gateway, merchant)
        [default] = api.get("/api/v1/webhook-endpoints").json()["items"]
        # payment.created only: recorded with the payment, so no wait for its processing.
        settings = {"events": ["payment.created"], "chaos": CHAOS}
        turned = api.http.patch(f"{api.base}/api/v1/webhook-endpoints/{default['id']}", json=settings)
        assert turned.status_code == 200 and turned.json()["chaos"]["crash"] == 1, turned.text
        created = api.post("/api/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/later", **settings})
        assert created.status_code == 201, created.text
        example_id, secret = created.json()["id"], created.json()["secret"]
        credentials = (merchant.api_key, merchant.api_secret)
        with running(EXAMPLE, [secret], tmp_path, credentials, gateway.api_url) as example:
            moved = api.http.patch(f"{api.base}/api/v1/webhook-endpoints/{example_id}", json={"url": example.url})
            assert moved.status_code == 200, moved.text
            payment = api.pay()["id"]

            def settled() -> list[dict]:
                found = [d for d in api.deliveries(event="payment.created") if d["payment_id"] == payment]
                return found if len(found) == 2 and all(d["status"] == "success" for d in found) else []

            deliveries = eventually(settled, timeout=60, message="every delivery through its chaos")
            events = {d["event_id"] for d in deliveries}
            assert len(events) == 1, deliveries

            per_event = Counter(r.headers["webhook-id"] for r in naive.events() if r.headers["webhook-id"] in events)
            assert per_event == dict.fromkeys(events, 3), "naive: the duplicate and the redelivery processed too"
            assert example.processed("payment.created") == 1, "the example receiver processes each event once"

            assert all(d["attempts"] == 2 for d in deliveries), deliveries
            for delivery in deliveries:
                detail = api.get(f"/api/v1/webhooks/{delivery['id']}").json()
                assert [a["chaos"] for a in detail["attempt_log"]] == ["duplicate,crash", None], detail
    finally:
        naive.stop()


def test_chaos_settings_are_checked_by_the_api(gateway):
    api = Api(gateway)
    created = api.post("/api/v1/webhook-endpoints", {"url": "https://example.com/h", "chaos": {"duplicate": 2}})
    assert created.status_code == 400 and created.json()["error"]["field"].startswith("chaos"), created.text
    created = api.post("/api/v1/webhook-endpoints", {"url": "https://example.com/h", "chaos": {"storm": 1}})
    assert created.status_code == 400, created.text
