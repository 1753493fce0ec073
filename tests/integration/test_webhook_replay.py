"""Bulk replay on a running stack: one call re-sends every matching delivery to a loopback
receiver under its event's original webhook-id and body, once per Idempotency-Key."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.support.api import Api
from tests.support.waiting import eventually


def moment(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def test_one_replay_redelivers_what_the_merchant_missed_with_its_original_ids_and_bodies(gateway, receiver):
    # Events recorded while the merchant had no URL are skipped: the cheap way to a log of
    # undelivered events (failing five attempts takes the retry schedule's 50 s).
    api = Api(gateway, gateway.new_merchant(None))
    since = moment(datetime.now(UTC) - timedelta(seconds=1))
    for _ in range(3):
        assert api.post("/api/v1/merchant/webhook/test").status_code == 202
    missed = eventually(
        lambda: (d := api.deliveries()) and len(d) == 3 and all(x["status"] == "skipped" for x in d) and d,
        timeout=60,
        message="every event skipped",
    )
    api.set_webhook(receiver.url)

    bad = api.post("/api/v1/webhooks/replay", {"since": "last tuesday"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "since"
    backwards = api.post("/api/v1/webhooks/replay", {"since": since, "until": since})
    assert backwards.status_code == 400 and backwards.json()["error"]["field"] == "until"

    body = {"since": since, "status": "skipped"}
    key = {"Idempotency-Key": "replay-" + api.merchant.id}
    first = api.post("/api/v1/webhooks/replay", body, headers=key)
    assert first.status_code == 202 and first.json() == {"count": len(missed)}, first.text

    arrived = eventually(lambda: len(receiver.received) >= len(missed) and list(receiver.received), timeout=60)
    assert len(arrived) == len(missed)
    by_id = {r.headers["webhook-id"]: r for r in arrived}
    assert set(by_id) == {d["id"] for d in missed}
    for row in missed:
        detail = api.get(f"/api/v1/webhooks/{row['id']}").json()
        assert (detail["event_id"], detail["endpoint_id"]) == (row["id"], row["endpoint_id"])
        assert json.loads(by_id[row["id"]].body) == detail["payload"]
    delivered = eventually(
        lambda: (d := api.deliveries()) and all(x["status"] == "success" for x in d) and d,
        timeout=60,
        message="all delivered",
    )

    again = api.post("/api/v1/webhooks/replay", body, headers=key)
    assert again.status_code == 202 and again.text == first.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    # Nothing was reset: a rescheduled delivery would be pending again, with no attempts.
    assert api.deliveries() == delivered and len(receiver.received) == len(missed)
    actions = [e["action"] for e in api.get("/api/v1/audit-log").json()["data"]]
    assert actions.count("webhook.replay") == 1
