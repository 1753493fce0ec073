"""The webhook engine over real HTTP receivers on loopback: settings, payload, signatures,
the retry schedule through SQS visibility, the delivery log, manual retry and crash recovery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

import pytest
import razorpay
import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.domain import clock
from infra.local.processes import spawn, stop, wait_for_http
from tests.support.api import Api
from tests.support.ports import free_port
from tests.support.receiver import Answer, Receiver
from tests.support.stack import base_env
from tests.support.waiting import eventually

ALL_EVENTS = [
    "payment.created",
    "payment.pending",
    "payment.success",
    "payment.failed",
    "refund.created",
    "refund.processed",
    "webhook.test",
]


def delivery(api: Api, delivery_id: str) -> dict:
    return api.get(f"/api/v1/webhooks/{delivery_id}").json()


def seconds(iso_time: str) -> float:
    return clock.parse_iso(iso_time).timestamp()


def test_profile_and_settings(gateway, receiver):
    api = Api(gateway)
    profile = api.get("/api/v1/merchant").json()
    assert set(profile) == {
        "id",
        "name",
        "email",
        "api_key",
        "webhook_url",
        "webhook_events",
        "webhook_secret_set",
        "created_at",
    }
    assert profile["webhook_events"] == ALL_EVENTS and profile["webhook_secret_set"] is True
    assert api.merchant.api_secret not in json.dumps(profile)
    updated = api.set_webhook(receiver.url, ["payment.success", "refund.processed"])
    assert updated["webhook_url"] == receiver.url and updated["webhook_events"] == [
        "payment.success",
        "refund.processed",
    ]
    assert api.set_webhook(receiver.url)["webhook_events"] == ALL_EVENTS  # omitted: all of them
    assert api.set_webhook(None)["webhook_url"] is None


@pytest.mark.parametrize(
    "body,field,message",
    [
        ({"url": "ftp://example.com/x"}, "url", "absolute http or https"),
        ({"url": "not a url"}, "url", "absolute http or https"),
        ({"url": "/relative/path"}, "url", "absolute http or https"),
        ({"url": "https://example.com/x", "events": ["payment.exploded"]}, "events.0", "must be one of"),
        ({"url": "https://example.com/x", "events": []}, "events", "at least one"),
        ({"url": "https://example.com/" + "x" * 2100}, "url", "at most 2048"),
        ({}, "url", "url is required"),
    ],
)
def test_invalid_webhook_settings(gateway, body, field, message):
    response = Api(gateway).put("/api/v1/merchant/webhook", body)
    assert response.status_code == 400 and response.json()["error"]["field"] == field
    assert message in response.json()["error"]["description"]


def test_prod_flag_refuses_private_and_loopback_urls(make_gateway):
    guarded = Api(make_gateway(WEBHOOK_BLOCK_PRIVATE_URLS="true"))
    for url in ("http://127.0.0.1:4000/webhook", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x"):
        response = guarded.put("/api/v1/merchant/webhook", {"url": url})
        assert response.status_code == 400 and "private or loopback" in response.json()["error"]["description"]
    assert guarded.put("/api/v1/merchant/webhook", {"url": "https://merchant.example/hooks"}).status_code == 200


def test_regenerated_secret_is_shown_once_and_signs_the_next_delivery_beside_the_old_one(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    response = api.post("/api/v1/merchant/webhook/secret")
    secret = response.json()["webhook_secret"]
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret) and len(base64.b64decode(secret[6:])) == 32
    assert secret not in api.get("/api/v1/merchant").text
    test = api.post("/api/v1/merchant/webhook/test")
    assert test.status_code == 202 and test.json()["status"] == "pending"
    [received] = receiver.wait_for("webhook.test")
    assert received.headers["webhook-id"] == test.json()["id"]
    assert Webhook(secret).verify(received.body, received.headers)["event"] == "webhook.test"
    # Regenerating is a rotation with overlap (issue 15): the hex header keeps the replaced secret
    # until the new one is promoted, and the new one's hex signature rides beside it.
    old = api.merchant.webhook_secret
    assert Webhook(old).verify(received.body, received.headers)["event"] == "webhook.test"
    hex_of = {s: hmac.new(s.encode(), received.body, hashlib.sha256).hexdigest() for s in (old, secret)}
    assert received.headers["X-Webhook-Signature"] == hex_of[old]
    assert received.headers["X-Webhook-Signature-New"] == hex_of[secret]


def test_payload_signatures_and_headers(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    secret = api.merchant.webhook_secret
    payment = api.paid()
    [received] = receiver.wait_for("payment.success", payment["id"])
    body = received.body
    assert body == json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
    envelope = json.loads(body)
    assert list(envelope) == ["event", "timestamp", "data"] and list(envelope["data"]) == ["payment"]
    assert envelope["data"]["payment"] == api.payment(payment["id"])
    assert abs(envelope["timestamp"] - time.time()) < 60
    assert received.headers["Content-Type"] == "application/json"
    assert "PaymentGateway" in received.headers["User-Agent"]
    client = razorpay.Client(auth=(api.merchant.api_key, api.merchant.api_secret))
    assert client.utility.verify_webhook_signature(body.decode(), received.headers["X-Webhook-Signature"], secret)
    assert Webhook(secret).verify(body, received.headers) == envelope
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    forged = dict(received.headers, **{"webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, forged)


def test_secrets_without_base64_keys_get_the_hex_signature_and_ids(gateway, receiver):
    """The seeded merchant's secret, whsec_test_abc123, is not base64: no Standard Webhooks signature."""
    api = Api(gateway, gateway.test_merchant)
    api.set_webhook(receiver.url)
    try:
        payment = api.paid()
        [received] = receiver.wait_for("payment.success", payment["id"])
        assert "webhook-signature" not in received.headers and received.headers["webhook-id"].startswith("evt_")
        assert razorpay.Client(auth=("k", "s")).utility.verify_webhook_signature(
            received.body.decode(), received.headers["X-Webhook-Signature"], "whsec_test_abc123"
        )
    finally:
        api.set_webhook(None)


def test_no_url_means_skipped_and_never_retried(gateway):
    api = Api(gateway)
    api.set_webhook(None)
    payment = api.paid()
    deliveries = eventually(
        lambda: (d := api.deliveries()) and len(d) == 3 and all(x["status"] == "skipped" for x in d) and d,
        message="three skipped deliveries",
    )
    assert all(d["attempts"] == 0 and d["next_retry_at"] is None for d in deliveries)
    detail = delivery(api, deliveries[0]["id"])
    assert detail["skip_reason"] == "no_webhook_url" and detail["payload"]["data"]["payment"]["id"] == payment["id"]


def test_event_filter_skips_unsubscribed_events(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    api.set_webhook(receiver.url, ["payment.success"])
    payment = api.paid()
    receiver.wait_for("payment.success", payment["id"])
    eventually(lambda: sorted(d["status"] for d in api.deliveries()) == ["skipped", "skipped", "success"])
    assert [r.event for r in receiver.events(entity_id=payment["id"])] == ["payment.success"]
    skipped = api.deliveries(status="skipped")
    assert {delivery(api, d["id"])["skip_reason"] for d in skipped} == {"not_subscribed"}


def test_delivery_log_lists_and_filters(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    payment = api.paid()
    receiver.wait_for("payment.success", payment["id"])
    eventually(lambda: all(d["status"] == "success" for d in api.deliveries()) and len(api.deliveries()) == 3)
    page = api.get("/api/v1/webhooks", params={"limit": 2}).json()
    assert page["total"] == 3 and len(page["data"]) == 2 and page["limit"] == 2 and page["offset"] == 0
    item = page["data"][0]
    assert set(item) == {
        "id",
        "event_id",
        "endpoint_id",
        "event",
        "entity",
        "entity_id",
        "payment_id",
        "endpoint",
        "status",
        "attempts",
        "created_at",
        "last_attempt_at",
        "next_retry_at",
        "response_code",
    }
    assert [d["event"] for d in api.deliveries(event="payment.success")] == ["payment.success"]
    assert api.get("/api/v1/webhooks", params={"status": "bogus"}).status_code == 400
    assert api.get("/api/v1/webhooks", params={"event": "payment.exploded"}).status_code == 400
    detail = delivery(api, api.deliveries(event="payment.success")[0]["id"])
    [attempt] = detail["attempt_log"]
    assert attempt["number"] == 1 and attempt["response_code"] == 200 and attempt["url"] == receiver.url
    assert attempt["response_body"] == '{"ok":true}' and attempt["error"] is None and attempt["duration_ms"] >= 0
    other = Api(gateway)
    assert other.get(f"/api/v1/webhooks/{detail['id']}").status_code == 404
    assert other.post(f"/api/v1/webhooks/{detail['id']}/retry").status_code == 404


def test_response_bodies_are_cut_to_2_kb_of_utf8_and_redirects_are_failures(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    receiver.answer_next(Answer(status=302, body=b"\xff" * 10000))  # each byte decodes to 3 bytes of UTF-8
    api.post("/api/v1/merchant/webhook/test")
    detail = eventually(lambda: (d := api.deliveries(event="webhook.test")) and d[0]["attempts"] == 1 and d[0])
    assert detail["status"] == "pending" and detail["response_code"] == 302 and detail["next_retry_at"]
    logged = delivery(api, detail["id"])["attempt_log"][0]
    assert logged["response_body"] == "\ufffd" * (2048 // 3) and logged["response_code"] == 302


@pytest.mark.slow
def test_retries_follow_the_schedule_through_500_timeout_and_refusal(gateway):
    receiver = Receiver()
    api = Api(gateway, gateway.new_merchant(receiver.url))
    receiver.answer_next(Answer(status=500), Answer(delay=3.5))  # the stack times out after 2 s
    test = api.post("/api/v1/merchant/webhook/test").json()
    second = eventually(
        lambda: (d := delivery(api, test["id"]))["attempts"] == 2 and d, timeout=20, message="the timed-out attempt"
    )
    receiver.stop()  # attempt 3 finds nothing listening: connection refused
    third = eventually(
        lambda: (d := delivery(api, test["id"]))["attempts"] == 3 and d, timeout=25, message="the refused attempt"
    )
    receiver.start()
    final = eventually(
        lambda: (d := delivery(api, test["id"]))["status"] == "success" and d,
        timeout=25,
        message="the fourth attempt to succeed",
    )
    receiver.stop()
    log = final["attempt_log"]
    assert [a["number"] for a in log] == [1, 2, 3, 4] and final["attempts"] == 4
    assert log[0]["response_code"] == 500 and log[0]["error"] is None
    assert log[1]["response_code"] is None and "Timed out" in log[1]["error"]
    assert log[2]["response_code"] is None and "refused" in log[2]["error"].lower()
    assert log[3]["response_code"] == 200
    starts = [seconds(a["at"]) for a in log]
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    # The schedule (5, 10, 15 s, each ±10% jitter) is read where the code wrote it, after attempts
    # 2 and 3 (no stall can move it); the first wait is seen only as a gap between two starts.
    scheduled = [seconds(d["next_retry_at"]) - starts[i] for i, d in ((1, second), (2, third))]
    assert 9.0 <= scheduled[0] <= 11.0 and 13.5 <= scheduled[1] <= 16.5, scheduled
    # An attempt is never early beyond the early-wake tolerance (0.5 s); it may be late by what a
    # loaded machine takes to hand a due message to a function, so lateness gets more room: 7 s,
    # the SQS delay's rounding up to a whole second plus 6 s for a stall.
    assert 5 * 0.9 - 0.5 <= gaps[0] <= 5 * 1.1 + 7.0, gaps
    for start, d in ((starts[2], second), (starts[3], third)):
        assert seconds(d["next_retry_at"]) - 0.5 <= start <= seconds(d["next_retry_at"]) + 7.0, (start, d)
    arrivals = [r.at for r in receiver.events("webhook.test")]
    assert len(arrivals) == 3, arrivals
    assert arrivals[1] - arrivals[0] >= 3.5 and arrivals[2] - arrivals[0] >= 26.0, arrivals
    assert len({r.headers["webhook-id"] for r in receiver.events("webhook.test")}) == 1


@pytest.mark.slow
def test_five_failures_make_it_failed_and_a_manual_retry_delivers(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    receiver.default = Answer(status=503)
    test = api.post("/api/v1/merchant/webhook/test").json()
    failed = eventually(
        lambda: (d := delivery(api, test["id"]))["status"] == "failed" and d, timeout=70, message="five failed attempts"
    )
    assert failed["attempts"] == 5 and failed["next_retry_at"] is None and failed["response_code"] == 503
    assert len(receiver.events("webhook.test")) == 5
    receiver.default = Answer(status=200)
    retry = api.post(f"/api/v1/webhooks/{test['id']}/retry")
    assert retry.status_code == 200
    assert retry.json() == {"id": test["id"], "status": "pending", "message": "Webhook retry scheduled"}
    done = eventually(lambda: (d := delivery(api, test["id"]))["status"] == "success" and d, timeout=15)
    # Attempt numbers go on after a manual retry (the schedule starts again): 6 attempts, all kept.
    assert done["attempts"] == 6 and [a["number"] for a in done["attempt_log"]] == [1, 2, 3, 4, 5, 6]
    assert len({r.headers["webhook-id"] for r in receiver.events("webhook.test")}) == 1


@pytest.mark.slow
def test_a_crash_after_the_post_redelivers_with_the_same_webhook_id(make_gateway, receiver):
    crashing = make_gateway(FAULT_INJECT="delivery.after_post,delivery.after_record", TEST_PROCESSING_DELAY="0")
    api = Api(crashing, crashing.new_merchant(receiver.url))
    payment = api.paid()
    received = receiver.wait_for("payment.success", payment["id"], count=2, timeout=30)
    assert len({r.headers["webhook-id"] for r in received}) == 1
    success = eventually(
        lambda: (d := api.deliveries(event="payment.success")) and d[0]["status"] == "success" and d[0], timeout=30
    )
    assert success["attempts"] == 1  # a crash redelivery is not an attempt
    assert received[0].headers["webhook-id"] == success["id"]
    for kind in ("payment.created", "payment.pending"):
        assert receiver.events(kind, payment["id"]), kind


def test_the_example_receiver_verifies_both_signatures(gateway):
    port = free_port()
    merchant = gateway.new_merchant(f"http://127.0.0.1:{port}/webhook")
    env = {
        **base_env(),
        "RECEIVER_PORT": str(port),
        "WEBHOOK_SECRET": merchant.webhook_secret,
        "API_URL": gateway.api_url,
        "RECEIVER_API_KEY": merchant.api_key,
        "RECEIVER_API_SECRET": merchant.api_secret,
    }
    import subprocess

    log = open(f"/tmp/receiver-{port}.log", "wb")  # noqa: SIM115 - the receiver writes it until `finally` closes it
    process = spawn("infra.local.receiver", env, log=log)
    try:
        assert wait_for_http(f"http://127.0.0.1:{port}/", 15, process, accept=lambda status: True)
        api = Api(gateway, merchant)
        api.post("/api/v1/merchant/webhook/test")
        done = eventually(lambda: (d := api.deliveries()) and d[0]["status"] == "success" and d[0])
        assert done["response_code"] == 200
        forged = requests.post(
            f"http://127.0.0.1:{port}/webhook",
            data=b'{"event":"payment.success","data":{}}',
            headers={"X-Webhook-Signature": "0" * 64},
        )
        assert forged.status_code == 400
        # After a regeneration the receiver fetches the new secret and still verifies.
        api.post("/api/v1/merchant/webhook/secret")
        api.post("/api/v1/merchant/webhook/test")
        eventually(lambda: all(d["status"] == "success" for d in api.deliveries()) and len(api.deliveries()) == 2)
        output = Path(f"/tmp/receiver-{port}.log").read_text()
        assert output.count("receiver: processed webhook.test") == 2, output
        assert output.count("verified by webhook-signature") == 2, output
    finally:
        stop(process)
        log.close()
        del subprocess


def test_a_name_that_does_not_resolve_is_a_failed_attempt(gateway):
    api = Api(gateway, gateway.new_merchant("http://receiver.does-not-exist.invalid/hook"))
    test = api.post("/api/v1/merchant/webhook/test").json()
    first = eventually(lambda: (d := delivery(api, test["id"]))["attempts"] == 1 and d)
    assert first["status"] == "pending" and first["next_retry_at"]
    assert "Could not resolve host" in first["attempt_log"][0]["error"]
