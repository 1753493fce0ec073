"""The delivery engine on several endpoints, end to end through a running stack: each endpoint
receives exactly the events its filter takes, with its own deliveries in the log; a 410 disables
an endpoint at once and one failing through the auto-disable period is disabled, each announced
by endpoint.disabled to the merchant's other endpoints.

Endpoints are added in a process configured as the stage's functions (the endpoint API is another
part of issue 15); everything else goes through the API and real HTTP receivers.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.api import Api
from tests.support.receiver import Answer, Receiver
from tests.support.stack import ROOT
from tests.support.waiting import eventually

ACTOR = "Actor(API_KEY, 'key_test', '127.0.0.1')"


def in_stage(gateway, code: str) -> str:
    """Run `code` with the stage's settings (its tables, its KMS key): what it prints."""
    preamble = "from chalicelib.domain.audit import API_KEY, Actor\nfrom chalicelib.services import webhook_endpoints\n"
    result = subprocess.run(
        [sys.executable, "-c", preamble + code], env=gateway.env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def add_endpoint(gateway, merchant_id: str, url: str, events: list[str] | None) -> str:
    code = f"print(webhook_endpoints.create({merchant_id!r}, {url!r}, {events!r}, None, actor={ACTOR})['id'])"
    return in_stage(gateway, code)


def endpoint(gateway, merchant_id: str, endpoint_id: str) -> dict:
    return json.loads(
        in_stage(gateway, f"import json; print(json.dumps(webhook_endpoints.get({merchant_id!r}, {endpoint_id!r})))")
    )


def test_two_endpoints_with_different_filters_each_receive_exactly_their_events(gateway, receiver) -> None:
    api = Api(gateway)
    other = Receiver()
    try:
        api.set_webhook(receiver.url, ["payment.created", "payment.pending"])
        second = add_endpoint(gateway, api.merchant.id, other.url, ["payment.success"])
        payment = api.paid()
        other.wait_for("payment.success", payment["id"])
        receiver.wait_for("payment.pending", payment["id"])
        eventually(lambda: len(api.deliveries(status="success")) == 3, timeout=20, message="three deliveries")
        # At least once (a message redelivered on a loaded machine may POST again, with the same
        # webhook-id): exactly these events, each under its own event's id.
        mine_received = receiver.events(entity_id=payment["id"])
        assert {r.event for r in mine_received} == {"payment.created", "payment.pending"}
        assert {r.event for r in other.events()} == {"payment.success"}
        assert len({r.headers["webhook-id"] for r in mine_received}) == 2
        log = api.deliveries()
        by_endpoint = {(row["endpoint_id"], row["event"]): row for row in log}
        mine = by_endpoint[(second, "payment.success")]
        assert mine["id"].startswith("whd_") and mine["event_id"].startswith("evt_") and mine["attempts"] == 1
        assert other.events()[0].headers["webhook-id"] == mine["event_id"]
        detail = api.get(f"/api/v1/webhooks/{mine['id']}").json()
        assert detail["attempt_log"][0]["url"] == other.url and detail["status"] == "success"
        # The default endpoint's delivery of the same event was skipped: its filter does not take it.
        default_row = api.get(f"/api/v1/webhooks/{mine['event_id']}").json()
        assert default_row["status"] == "skipped" and default_row["skip_reason"] == "not_subscribed"
    finally:
        other.stop()


def test_a_410_and_a_failing_period_disable_their_endpoints_and_others_hear_of_it(gateway, receiver) -> None:
    api = Api(gateway)
    gone, failing = Receiver(), Receiver()
    try:
        api.set_webhook(receiver.url)  # every event, endpoint.disabled included
        gone.default = Answer(410)
        failing.default = Answer(500)
        gone_id = add_endpoint(gateway, api.merchant.id, gone.url, ["payment.created"])
        failing_id = add_endpoint(gateway, api.merchant.id, failing.url, ["payment.created"])
        # It has failed for longer than the period already (test stacks: 180 s): its next failure disables it.
        since = "2020-01-01T00:00:00.000Z"
        code = f"assert store().endpoints.set_failing_since({api.merchant.id!r}, {failing_id!r}, {since!r})"
        in_stage(gateway, "from chalicelib.store import store\n" + code)
        payment = api.pay()
        disabled = receiver.wait_for("endpoint.disabled", count=2, timeout=30)
        reasons = {r.json["data"]["endpoint"]["id"]: r.json["data"]["endpoint"]["reason"] for r in disabled}
        assert reasons == {gone_id: "gone", failing_id: "failing"}
        assert endpoint(gateway, api.merchant.id, gone_id)["disabled_reason"] == "gone"
        assert endpoint(gateway, api.merchant.id, failing_id)["enabled"] is False
        assert len(gone.events()) == 1  # no retry after a 410
        gone_delivery = next(row for row in api.deliveries() if row["endpoint_id"] == gone_id)
        assert gone_delivery["status"] == "failed" and gone_delivery["attempts"] == 1
        # Disabled endpoints receive nothing more.
        api.pay()
        receiver.wait_for("payment.created", count=2)
        assert len(gone.events()) == 1 and len(failing.events()) == 1
        assert payment["id"]
    finally:
        gone.stop()
        failing.stop()
