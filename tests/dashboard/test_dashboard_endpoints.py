"""The Endpoints section of the Webhooks page: create (secret shown once), edit a filter, rotate
(the shown secret signs the next delivery, beside the old one), promote, check the receiver,
disable and re-enable with the offer to replay what it missed; against the real gateway and a
loopback receiver."""

from __future__ import annotations

import hashlib
import hmac
import re

from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook


def row(page, endpoint_id: str):
    return page.locator(f"[data-test-id=endpoint-row][data-endpoint-id='{endpoint_id}']")


def add_endpoint(page, section, url: str, events: tuple[str, ...], description: str | None = None) -> dict:
    """Adds an endpoint through the form, with a filter of `events`; the API's answer (its secret
    included, which the page shows once and keeps open until done)."""
    section.get_by_test_id("endpoint-add").click()
    section.get_by_test_id("endpoint-url-input").fill(url)
    if description is not None:
        section.get_by_test_id("endpoint-description-input").fill(description)
    section.get_by_test_id("endpoint-all-events").uncheck()
    for event in events:
        section.get_by_test_id("endpoint-event-option").and_(page.locator(f"[value='{event}']")).check()
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/webhook-endpoints") and r.request.method == "POST"
    ) as made:
        section.get_by_test_id("new-endpoint-submit").click()
    assert made.value.status == 201, made.value.text()
    return made.value.json()


def test_endpoints_are_created_edited_rotated_disabled_and_re_enabled(page, gateway, login, receivers, merchant_api):
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    login(page, merchant, "/webhooks")
    section = page.get_by_test_id("webhook-endpoints")
    expect(section.get_by_test_id("endpoint-row")).to_have_count(1)  # the default endpoint

    # Create, with a filter of one event: its secret is shown once.
    created = add_endpoint(page, section, "https://example.test/refunds", ("refund.created",), "Refund desk")
    expect(section.get_by_test_id("endpoint-secret")).to_have_text(created["secret"])
    section.get_by_test_id("endpoint-secret-done").click()
    expect(section.get_by_test_id("endpoint-secret")).to_have_count(0)  # never shown again
    added = row(page, created["id"])
    expect(added.get_by_test_id("endpoint-events-shown")).to_have_text("refund.created")
    expect(added.get_by_test_id("endpoint-description")).to_have_text("Refund desk")

    # Edit the filter: payment.success too.
    added.get_by_test_id("endpoint-edit").click()
    added.get_by_test_id("endpoint-event-option").and_(page.locator("[value='payment.success']")).check()
    added.get_by_test_id(f"edit-{created['id']}-submit").click()
    expect(added.get_by_test_id("endpoint-events-shown")).to_have_text("payment.success, refund.created")
    assert api.call("GET", f"/api/v1/webhook-endpoints/{created['id']}")["events"] == [
        "payment.success",
        "refund.created",
    ]

    # Rotate the default endpoint: the new secret, shown once, and the old one both sign the next delivery.
    old_secret = merchant.webhook_secret
    default = row(page, api.call("GET", "/api/v1/webhook-endpoints")["items"][0]["id"])
    default.get_by_test_id("endpoint-rotate").click()
    expect(section.get_by_test_id("endpoint-overlap-end")).to_contain_text("keeps signing until")
    new_secret = section.get_by_test_id("endpoint-secret").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    sent = api.call("POST", "/api/v1/merchant/webhook/test", expect=202)
    [received] = receiver.wait_for(lambda d: d.headers.get("webhook-id") == sent["id"])
    assert Webhook(new_secret).verify(received.body, received.headers)["event"] == "webhook.test"
    assert Webhook(old_secret).verify(received.body, received.headers)["event"] == "webhook.test"
    new_hex = hmac.new(new_secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(received.headers["x-webhook-signature-new"], new_hex)
    section.get_by_test_id("endpoint-secret-done").click()
    expect(default.get_by_test_id("endpoint-overlap")).to_contain_text("Previous secret signs until")
    default.get_by_test_id("endpoint-promote").click()
    expect(default.get_by_test_id("endpoint-overlap")).to_contain_text("new secret promoted")
    expect(default.get_by_test_id("endpoint-promote")).to_have_count(0)

    # Check the receiver: this one answers 200 to everything, so the report shows each forgery it took.
    with page.expect_response(lambda r: r.url.endswith("/check") and r.request.method == "POST") as checked:
        default.get_by_test_id("endpoint-check").click()
    assert checked.value.status == 200, checked.value.text()
    report = default.get_by_test_id("endpoint-check-report")
    expect(report.get_by_test_id("endpoint-check-verdict")).to_contain_text("failed the check")
    expect(report.get_by_test_id("endpoint-check-case")).to_have_count(6)
    expect(report.locator("[data-case=valid]").get_by_test_id("endpoint-check-result")).to_have_text("Passed")
    expect(report.locator("[data-case=tampered_body]").get_by_test_id("endpoint-check-result")).to_have_text("Failed")
    default.get_by_test_id("endpoint-check-done").click()
    expect(report).to_have_count(0)

    # Disable: shown with its reason; re-enable: offered to replay what it missed.
    added.get_by_test_id("endpoint-disable").click()
    expect(added.get_by_test_id("endpoint-state")).to_have_text("Disabled")
    expect(added.get_by_test_id("endpoint-disabled-reason")).to_contain_text("Disabled by you")
    added.get_by_test_id("endpoint-enable").click()
    expect(added.get_by_test_id("endpoint-state")).to_have_text("Enabled")
    expect(added.get_by_test_id("endpoint-replay-offer")).to_contain_text("It missed the events since")
    expect(added.get_by_test_id("endpoint-replay")).to_be_visible()

    # Delete asks first.
    added.get_by_test_id("endpoint-delete").click()
    added.get_by_test_id("endpoint-delete-confirm").click()
    expect(row(page, created["id"])).to_have_count(0)
    assert created["id"] not in [e["id"] for e in api.call("GET", "/api/v1/webhook-endpoints")["items"]]


def test_two_endpoints_with_different_filters_each_receive_their_events_with_their_own_logs(
    page, gateway, login, receivers, merchant_api
):
    """The default endpoint takes payment.success and refund.processed; one added in the
    dashboard takes refund.created and refund.processed. A paid and refunded payment reaches
    each receiver with exactly its events, and the log, filtered by endpoint, shows each its own
    deliveries: refund.processed twice, one delivery per endpoint, each with its own attempts."""
    default_receiver, refund_receiver = receivers(), receivers()
    merchant = gateway.new_merchant(webhook_url=default_receiver.url)
    api = merchant_api(merchant)
    api.call(
        "PUT",
        "/api/v1/merchant/webhook",
        json={"url": default_receiver.url, "events": ["payment.success", "refund.processed"]},
    )
    [default] = api.call("GET", "/api/v1/webhook-endpoints")["items"]
    login(page, merchant, "/webhooks")
    section = page.get_by_test_id("webhook-endpoints")
    refunds_endpoint = add_endpoint(page, section, refund_receiver.url, ("refund.created", "refund.processed"))
    section.get_by_test_id("endpoint-secret-done").click()
    expect(row(page, refunds_endpoint["id"]).get_by_test_id("endpoint-events-shown")).to_have_text(
        "refund.created, refund.processed"
    )

    page.get_by_test_id("nav-audit-log").click()
    expect(page.locator("[data-test-id=audit-row][data-action='webhook_endpoint.create']")).to_contain_text(
        "Webhook endpoint added"
    )

    payment = api.pay(amount=40000)
    api.wait_payment(payment["id"], "success")
    refund = api.call("POST", f"/api/v1/payments/{payment['id']}/refunds", 201, json={"amount": 15000})
    to_default = default_receiver.wait_for(lambda d: True, count=2, timeout=60)
    to_refunds = refund_receiver.wait_for(lambda d: True, count=2, timeout=60)
    assert sorted(d.json["event"] for d in to_default) == ["payment.success", "refund.processed"]
    assert sorted(d.json["event"] for d in to_refunds) == ["refund.created", "refund.processed"]
    assert {d.json["data"]["refund"]["id"] for d in to_refunds} == {refund["id"]}
    # The same event reaches both with the same webhook-id: one event, two deliveries.
    [processed_id] = {d.headers["webhook-id"] for d in to_default if d.json["event"] == "refund.processed"}
    assert processed_id in {d.headers["webhook-id"] for d in to_refunds}

    # The log by endpoint: the refund endpoint's deliveries only, each attempted at its own URL.
    page.get_by_test_id("nav-webhooks").click()
    expect(page).to_have_url(re.compile(r"/webhooks$"))
    page.goto(f"{page.url.split('?')[0]}?endpoint_id={refunds_endpoint['id']}")
    rows = page.get_by_test_id("webhook-log-item")
    expect(rows).to_have_count(2)
    for log_row in rows.all():
        expect(log_row).to_have_attribute("data-status", "success", timeout=30_000)
        expect(log_row.get_by_test_id("webhook-endpoint-id")).to_have_text(refunds_endpoint["id"])
    expect(rows.get_by_test_id("webhook-event")).to_have_text(["refund.processed", "refund.created"])
    refund_side = rows.filter(has=page.locator("code", has_text="refund.processed"))
    refund_side_id = refund_side.get_attribute("data-delivery-id")
    refund_side.click()
    detail = page.get_by_test_id("webhook-attempts-detail")
    expect(detail.get_by_test_id("webhook-event-id")).to_have_text(processed_id)
    expect(detail.get_by_test_id("webhook-attempt")).to_have_count(1)
    expect(detail.get_by_test_id("attempt-url")).to_contain_text(refund_receiver.url)

    # The default endpoint's log: refund.processed is another delivery, attempted at its URL;
    # refund.created, which it does not take, is in its log as skipped, never attempted.
    page.get_by_test_id("webhook-endpoint-filter").fill(default["id"])
    expect(rows.filter(has=page.locator("code", has_text="refund.created"))).to_have_attribute("data-status", "skipped")
    default_side = rows.filter(has=page.locator("code", has_text="refund.processed"))
    expect(default_side).to_have_attribute("data-status", "success", timeout=30_000)
    assert default_side.get_attribute("data-delivery-id") != refund_side_id
    expect(default_side.get_by_test_id("webhook-endpoint-id")).to_have_text(default["id"])
    default_side.click()
    detail = page.get_by_test_id("webhook-attempts-detail")
    expect(detail.get_by_test_id("webhook-event-id")).to_have_text(processed_id)
    expect(detail.get_by_test_id("webhook-attempt")).to_have_count(1)
    expect(detail.get_by_test_id("attempt-url")).to_contain_text(default_receiver.url)
    assert len(default_receiver.matching(lambda d: True)) == 2 and len(refund_receiver.matching(lambda d: True)) == 2
