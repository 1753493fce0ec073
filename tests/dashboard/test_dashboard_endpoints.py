"""The Endpoints section of the Webhooks page: create (secret shown once), edit a filter, rotate
(the shown secret signs the next delivery, beside the old one), promote, disable and re-enable
with the offer to replay what it missed; against the real gateway and a loopback receiver."""

from __future__ import annotations

import hashlib
import hmac

from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook


def row(page, endpoint_id: str):
    return page.locator(f"[data-test-id=endpoint-row][data-endpoint-id='{endpoint_id}']")


def test_endpoints_are_created_edited_rotated_disabled_and_re_enabled(page, gateway, login, receivers, merchant_api):
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    login(page, merchant, "/webhooks")
    section = page.get_by_test_id("webhook-endpoints")
    expect(section.get_by_test_id("endpoint-row")).to_have_count(1)  # the default endpoint

    # Create, with a filter of one event: its secret is shown once.
    section.get_by_test_id("endpoint-add").click()
    section.get_by_test_id("endpoint-url-input").fill("https://example.test/refunds")
    section.get_by_test_id("endpoint-description-input").fill("Refund desk")
    section.get_by_test_id("endpoint-all-events").uncheck()
    section.get_by_test_id("endpoint-event-option").and_(page.locator("[value='refund.created']")).check()
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/webhook-endpoints") and r.request.method == "POST"
    ) as made:
        section.get_by_test_id("new-endpoint-submit").click()
    assert made.value.status == 201, made.value.text()
    created = made.value.json()
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
