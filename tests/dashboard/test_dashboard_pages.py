"""Every page, with data in it, at 1280 px and at phone width: it renders, nothing overflows the
viewport sideways, and a screenshot of it is kept under test-artifacts/dashboard/ (git-ignored)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.chromium import axe_check

from .conftest import DESKTOP, PHONE


@pytest.fixture(scope="module")
def populated(gateway):
    """A merchant with a captured, partly refunded payment, a failed one and a webhook delivery."""
    from .conftest import MerchantApi, WebhookReceiver

    receiver = WebhookReceiver()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = MerchantApi(gateway.api_url, merchant)
    paid = api.pay(amount=125000)
    declined = api.pay(amount=9900, vpa="failure@test")
    api.wait_payment(paid["id"], "success")
    api.wait_payment(declined["id"], "failed")
    api.call("POST", f"/api/v1/payments/{paid['id']}/capture", json={"amount": 125000})
    api.call("POST", f"/api/v1/payments/{paid['id']}/refunds", 201, json={"amount": 25000, "reason": "damaged"})
    api.call("POST", "/api/v1/merchant/webhook/test", 202)
    receiver.wait_for(lambda d: d.json["event"] == "webhook.test")
    yield merchant, paid
    receiver.close()


def no_sideways_overflow(page) -> None:
    sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"the page is {sizes[0]} px wide in a {sizes[1]} px viewport"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_renders_and_fits(page, populated, login, artifacts, viewport):
    merchant, paid = populated
    size = "desktop" if viewport == DESKTOP else "phone"
    page.set_viewport_size(viewport)

    def shot(name: str) -> None:
        axe_check(page, f"the {name} page, {size}")
        page.evaluate("() => window.scrollTo(0, 0)")  # sticky bars then sit at the top of the image
        page.screenshot(path=str(artifacts / f"{name}-{size}.png"), full_page=True)

    page.goto("/login")
    expect(page.get_by_test_id("login-form")).to_be_visible()
    no_sideways_overflow(page)
    shot("login")
    login(page, merchant)

    expect(page.get_by_test_id("total-transactions")).to_have_text("2")
    expect(page.get_by_test_id("success-rate")).to_have_text("50%")
    expect(page.get_by_test_id("volume-chart")).to_be_visible()
    no_sideways_overflow(page)
    shot("overview")

    page.get_by_test_id("nav-transactions").click()
    expect(page.get_by_test_id("transaction-row")).to_have_count(2)
    expect(page.locator("[data-test-id=transaction-row][data-status=failed]")).to_have_count(1)
    no_sideways_overflow(page)
    shot("transactions")

    page.locator(
        f"[data-test-id=transaction-row][data-payment-id='{paid['id']}'] [data-test-id=transaction-id]"
    ).click()
    expect(page.get_by_test_id("refund-row")).to_have_count(1)
    expect(page.get_by_test_id("refund-form")).to_be_visible()
    no_sideways_overflow(page)
    shot("payment-detail")

    page.get_by_test_id("nav-refunds").click()
    expect(page.get_by_test_id("refund-row")).to_have_count(1)
    no_sideways_overflow(page)
    shot("refunds")

    page.get_by_test_id("nav-webhooks").click()
    row = page.get_by_test_id("webhook-log-item").filter(
        has=page.get_by_test_id("webhook-event").get_by_text("webhook.test", exact=True)
    )
    expect(row).to_have_attribute("data-status", "success", timeout=30_000)
    row.click()
    expect(page.get_by_test_id("webhook-attempt")).to_have_count(1)
    no_sideways_overflow(page)
    shot("webhooks")

    page.get_by_test_id("nav-api-keys").click()
    expect(page.get_by_test_id("api-key")).to_have_text(merchant.api_key)
    page.get_by_test_id("reveal-api-secret").click()
    page.get_by_test_id("reveal-password-input").fill(merchant.password)
    page.get_by_test_id("reveal-password-submit").click()
    expect(page.get_by_test_id("api-secret")).to_have_text(merchant.api_secret)
    no_sideways_overflow(page)
    shot("api-keys")

    page.get_by_test_id("nav-audit-log").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(2)
    expect(page.locator("[data-test-id=audit-row][data-action='payment.capture']")).to_have_count(1)
    expect(page.get_by_test_id("audit-actor").first).to_contain_text(merchant.api_key)
    no_sideways_overflow(page)
    shot("audit-log")

    page.get_by_test_id("nav-docs").click()
    expect(page.get_by_test_id("api-docs")).to_be_visible()
    no_sideways_overflow(page)
    shot("docs")
