"""Webhook settings and the delivery log, against real receivers on loopback."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.waiting import eventually


def hex_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_row(page, delivery_id: str):
    return page.locator(f"[data-test-id=webhook-log-item][data-delivery-id='{delivery_id}']")


def send_test_webhook(page) -> str:
    """Clicks Send test webhook; returns the event id the API scheduled."""
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/merchant/webhook/test") and r.request.method == "POST"
    ) as answer:
        page.get_by_test_id("test-webhook-button").click()
    assert answer.value.status == 202, answer.value.text()
    event_id = answer.value.json()["id"]
    expect(page.get_by_test_id("webhook-message")).to_contain_text(event_id)
    return event_id


def test_changing_the_url_sends_the_next_delivery_to_the_new_url(page, gateway, login, receivers, merchant_api):
    old, new = receivers(), receivers()
    merchant = gateway.new_merchant(webhook_url=old.url)
    api = merchant_api(merchant)
    login(page, merchant, "/webhooks")

    expect(page.get_by_test_id("webhook-config")).to_be_visible()
    url_input = page.get_by_test_id("webhook-url-input")
    expect(url_input).to_have_value(old.url)
    expect(page.get_by_test_id("webhook-logs-table")).to_be_visible()
    expect(page.get_by_test_id("webhook-log-item")).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_contain_text("No webhook deliveries yet")

    # A URL that is not absolute http(s) never reaches the API.
    url_input.fill("ftp://example.com/hook")
    page.get_by_test_id("save-webhook-button").click()
    expect(page.get_by_test_id("webhook-error")).to_contain_text("http")
    assert api.call("GET", "/api/v1/merchant")["webhook_url"] == old.url

    # The new URL, and only payment.success of the payment events.
    url_input.fill(new.url)
    options = page.get_by_test_id("webhook-event-option")
    for event in ("payment.created", "payment.pending", "payment.failed", "refund.created", "refund.processed"):
        options.and_(page.locator(f"[value='{event}']")).uncheck()
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/merchant/webhook") and r.request.method == "PUT"
    ) as saved:
        page.get_by_test_id("save-webhook-button").click()
    assert saved.value.status == 200
    expect(page.get_by_test_id("webhook-message")).to_contain_text("saved")
    profile = api.call("GET", "/api/v1/merchant")
    assert profile["webhook_url"] == new.url
    assert sorted(profile["webhook_events"]) == ["payment.success", "webhook.test"]

    # The next delivery, a test event from the button, goes to the new URL.
    event_id = send_test_webhook(page)
    [received] = new.wait_for(lambda d: d.headers.get("webhook-id") == event_id)
    assert received.json["event"] == "webhook.test"
    row = delivery_row(page, event_id)
    expect(row).to_have_attribute("data-status", "success", timeout=30_000)
    expect(row.get_by_test_id("webhook-event")).to_have_text("webhook.test")
    expect(row.get_by_test_id("webhook-status")).to_have_text("success")
    expect(row.get_by_test_id("webhook-attempts")).to_have_text("1")
    expect(row.get_by_test_id("webhook-response-code")).to_have_text("200")
    expect(row.get_by_test_id("webhook-last-attempt")).not_to_have_text("—")
    row.click()
    attempt = page.get_by_test_id("webhook-attempt")
    expect(attempt).to_have_count(1)
    expect(attempt.get_by_test_id("attempt-url")).to_have_text(new.url)
    expect(attempt.get_by_test_id("attempt-response-code")).to_have_text("200")
    expect(attempt.get_by_test_id("attempt-body")).to_contain_text('"received": true')

    # A payment: its payment.success goes to the new URL; unsubscribed events are skipped.
    payment = api.pay()
    [success] = new.wait_for(
        lambda d: d.json["event"] == "payment.success" and d.json["data"]["payment"]["id"] == payment["id"]
    )
    assert success.json["data"]["payment"]["status"] == "success"
    page.get_by_test_id("refresh-webhook-logs").click()
    created = page.get_by_test_id("webhook-log-item").filter(
        has=page.get_by_test_id("webhook-event").get_by_text("payment.created", exact=True)
    )
    expect(created).to_have_attribute("data-status", "skipped", timeout=30_000)
    created.click()
    expect(page.get_by_test_id("webhook-skip-reason")).to_have_text("not_subscribed")
    assert not any(d.json["event"] == "payment.created" for d in new.deliveries)
    assert old.deliveries == [], [d.body for d in old.deliveries]


def test_regenerated_secret_signs_the_next_delivery_beside_the_old_one(page, gateway, login, receivers, merchant_api):
    """Regenerating is a rotation with the default overlap (issue 15): receivers still on the old
    secret keep verifying, the new one verifies at once (docs/webhooks.md, "Rotating a secret")."""
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    login(page, merchant, "/webhooks")

    secret_box = page.get_by_test_id("webhook-secret")
    expect(secret_box).to_have_attribute("data-revealed", "false")
    page.get_by_test_id("reveal-webhook-secret").click()
    expect(secret_box).to_have_attribute("data-revealed", "true")
    old_secret = secret_box.inner_text()
    assert old_secret == api.call("GET", "/api/v1/merchant/credentials")["webhook_secret"]

    page.get_by_test_id("regenerate-secret-button").click()
    expect(secret_box).not_to_have_text(old_secret)
    expect(page.get_by_test_id("webhook-message")).to_contain_text("The previous one keeps signing until")
    new_secret = secret_box.inner_text()
    assert new_secret.startswith("whsec_") and new_secret != old_secret
    assert api.call("GET", "/api/v1/merchant/credentials")["webhook_secret"] == new_secret

    event_id = send_test_webhook(page)
    [received] = receiver.wait_for(lambda d: d.headers.get("webhook-id") == event_id)
    # The hex header stays on the old secret until promoted; the new one's rides beside it.
    assert hmac.compare_digest(received.headers["x-webhook-signature"], hex_signature(received.body, old_secret))
    assert hmac.compare_digest(received.headers["x-webhook-signature-new"], hex_signature(received.body, new_secret))
    assert Webhook(new_secret).verify(received.body, received.headers)["event"] == "webhook.test"
    assert Webhook(old_secret).verify(received.body, received.headers)["event"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)
    expect(delivery_row(page, event_id)).to_have_attribute("data-status", "success", timeout=30_000)


@pytest.mark.timeout(240)
def test_retrying_a_failed_delivery_adds_an_attempt(page, gateway, login, receivers):
    receiver = receivers(status=500)
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    login(page, merchant, "/webhooks")

    event_id = send_test_webhook(page)
    row = delivery_row(page, event_id)
    # Five attempts on the test schedule (5, 10, 15, 20 s apart), all answered 500: failed.
    expect(row).to_have_attribute("data-status", "failed", timeout=120_000)
    assert len(receiver.matching(lambda d: d.headers.get("webhook-id") == event_id)) == 5
    expect(row.get_by_test_id("webhook-attempts")).to_have_text("5")
    expect(row.get_by_test_id("webhook-response-code")).to_have_text("500")
    row.click()
    attempts = page.get_by_test_id("webhook-attempt")
    expect(attempts).to_have_count(5)
    expect(page.get_by_test_id("webhook-attempt-count")).to_have_text("(5)")
    for index in range(5):
        expect(attempts.nth(index).get_by_test_id("attempt-response-code")).to_have_text("500")
        expect(attempts.nth(index).get_by_test_id("attempt-duration")).to_have_text(
            re.compile(r"^(\d+ ms|\d+\.\d+ s)$")
        )
        expect(attempts.nth(index).get_by_test_id("attempt-body")).to_contain_text('"status": 500')

    # The receiver is fixed; Retry delivers the same event again, and the attempt log grows.
    receiver.status = 200
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/webhooks/{event_id}/retry")) as retried:
        row.get_by_test_id("retry-webhook-button").click()
    assert retried.value.status == 200 and retried.value.json()["status"] == "pending"
    expect(page.get_by_test_id("webhook-log-notice")).to_contain_text("Retry scheduled")
    expect(row).to_have_attribute("data-status", "success", timeout=30_000)
    expect(row.get_by_test_id("webhook-response-code")).to_have_text("200")
    expect(attempts).to_have_count(6)
    expect(page.get_by_test_id("webhook-attempt-count")).to_have_text("(6)")
    expect(attempts.nth(5).get_by_test_id("attempt-response-code")).to_have_text("200")
    same_event = receiver.matching(lambda d: d.headers.get("webhook-id") == event_id)
    assert len(same_event) == 6 and len({d.body for d in same_event}) == 1


def test_the_delivery_log_says_what_each_delivery_is_about_and_where_it_went(
    page, gateway, login, receivers, merchant_api
):
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    payment = api.wait_payment(api.pay(amount=20000)["id"], "success")
    refund = api.call("POST", f"/api/v1/payments/{payment['id']}/refunds", 201, json={"amount": 500})
    deliveries = eventually(
        lambda: (
            (d := api.call("GET", "/api/v1/webhooks", params={"limit": 100})["data"])
            and {x["event"] for x in d if x["status"] == "success"} >= {"payment.success", "refund.processed"}
            and all(x["status"] != "pending" for x in d)
            and d
        ),
        message="the payment's and the refund's events delivered, none still pending",
    )
    login(page, merchant, "/webhooks")

    # None is pending, so the statuses read above are the ones the page shows: an earlier event
    # (refund.created) whose outcome was still being written read "pending" and then showed success.
    for delivery in deliveries:
        row = delivery_row(page, delivery["id"])
        subject = row.get_by_test_id("webhook-entity")
        entity = refund["id"] if delivery["event"].startswith("refund.") else payment["id"]
        expect(subject).to_contain_text(entity)
        expect(subject).to_contain_text("Refund" if delivery["event"].startswith("refund.") else "Payment")
        expect(row.get_by_test_id("webhook-status")).to_have_attribute("data-status", delivery["status"])
        if delivery["status"] == "success":
            expect(row.get_by_test_id("webhook-endpoint")).to_have_text(receiver.url)

    # Every status filter's label is the word its rows show.
    options = page.get_by_test_id("webhook-status-filter").locator("option")
    labels = [text.strip() for text in options.all_inner_texts()]
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert labels[1:] == values[1:] == ["pending", "success", "failed", "skipped"], (labels, values)
    page.get_by_test_id("webhook-status-filter").select_option("success")
    for badge in page.get_by_test_id("webhook-status").all():
        expect(badge).to_have_text("success")

    # A refund's event links to its payment's page, which lists the refund.
    refund_row = next(d for d in deliveries if d["event"] == "refund.processed")
    delivery_row(page, refund_row["id"]).get_by_test_id("webhook-entity-link").click()
    expect(page).to_have_url(re.compile(f"/payments/{payment['id']}$"))
    expect(page.get_by_text(refund["id"])).to_be_visible()
