"""The delivery log by endpoint, and Replay… delivering what a merchant missed, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support.waiting import eventually


def test_replay_delivers_the_missed_events_and_the_log_filters_by_endpoint(
    page, gateway, login, receivers, merchant_api
):
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=None)
    api = merchant_api(merchant)
    for _ in range(2):
        api.call("POST", "/api/v1/merchant/webhook/test", 202)
    missed = eventually(
        lambda: (
            (d := api.call("GET", "/api/v1/webhooks")["data"])
            and len(d) == 2
            and all(x["status"] == "skipped" for x in d)
            and d
        ),
        timeout=60,
        message="both test events skipped: no URL yet",
    )
    ids = {d["id"] for d in missed}
    [endpoint_id] = {d["endpoint_id"] for d in missed}
    api.call("PUT", "/api/v1/merchant/webhook", json={"url": receiver.url})
    login(page, merchant, "/webhooks")

    rows = page.get_by_test_id("webhook-log-item")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row.get_by_test_id("webhook-endpoint-id")).to_have_text(endpoint_id)
    # A row opens on a click anywhere (its cells hold no controls); its detail filters by endpoint.
    rows.first.click()
    page.get_by_test_id("webhook-endpoint-id-filter").click()
    expect(page).to_have_url(re.compile(f"endpoint_id={endpoint_id}"))
    expect(page.get_by_test_id("webhook-endpoint-filter")).to_have_value(endpoint_id)
    expect(rows).to_have_count(2)
    # Typed in the filter: another endpoint's id shows nothing of this one.
    page.get_by_test_id("webhook-endpoint-filter").fill("we_0therEndpoint012")
    expect(page).to_have_url(re.compile("endpoint_id=we_0therEndpoint012"))
    expect(rows).to_have_count(0)
    page.get_by_test_id("webhook-endpoint-filter").fill(endpoint_id)
    expect(rows).to_have_count(2)

    page.get_by_test_id("replay-webhooks-button").click()
    form = page.get_by_test_id("webhook-replay-form")
    expect(form.get_by_test_id("replay-endpoint")).to_have_value(endpoint_id)  # the log's filter
    # Checked before anything is sent: until must come after since.
    form.get_by_test_id("replay-until").fill("2000-01-01T00:00")
    form.get_by_test_id("replay-submit").click()
    expect(form.get_by_test_id("replay-error")).to_contain_text("after")
    form.get_by_test_id("replay-until").fill("")
    form.get_by_test_id("replay-status").select_option("skipped")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/webhooks/replay")) as answer:
        form.get_by_test_id("replay-submit").click()
    sent = answer.value.request
    assert sent.headers.get("idempotency-key", "").startswith("dash-")
    assert sent.post_data_json["status"] == "skipped" and sent.post_data_json["endpoint_id"] == endpoint_id
    assert answer.value.status == 202 and answer.value.json() == {"count": 2}
    expect(page.get_by_test_id("webhook-log-notice")).to_have_text("2 deliveries scheduled.")
    expect(form).to_have_count(0)

    arrived = receiver.wait_for(lambda d: d.headers.get("webhook-id") in ids, count=2, timeout=60)
    assert {d.headers["webhook-id"] for d in arrived} == ids
    for row in rows.all():
        expect(row).to_have_attribute("data-status", "success", timeout=60_000)

    # The link an endpoint enabled again offers: the form open on what it missed, every status.
    page.goto(f"{page.url.split('?')[0]}?endpoint_id={endpoint_id}&replay_since=2026-01-01T00:00:00Z")
    form = page.get_by_test_id("webhook-replay-form")
    expect(form.get_by_test_id("replay-endpoint")).to_have_value(endpoint_id)
    expect(form.get_by_test_id("replay-status")).to_have_value("")
    expect(form.get_by_test_id("replay-since")).to_have_value(re.compile(r"^202[56]-"))
