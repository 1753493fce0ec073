"""The merchant demo page (/demo): a fresh order from its server-side route, then checkout.js."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

SETTLE_MS = 30_000


def tid(test_id: str) -> str:
    return f'[data-test-id="{test_id}"]'


@pytest.mark.parametrize("path", ["/demo", "/demo.html"])
def test_demo_page_takes_a_payment_without_ever_seeing_the_secret(page, checkout_server, merchant_api, gateway, path):
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(checkout_server.url + path)
    page.locator(tid("demo-amount-input")).fill("249.50")
    page.locator(tid("demo-buy-button")).click()

    frame = page.frame_locator(f"{tid('payment-modal')} {tid('payment-iframe')}")
    expect(frame.locator(tid("order-amount"))).to_have_text("₹249.50")
    order_id = frame.locator(tid("order-id")).inner_text()
    order = merchant_api.order(order_id)
    assert (order["amount"], order["currency"], order["status"]) == (24950, "INR", "created")

    frame.get_by_label("UPI ID").fill("success@test")
    frame.locator(tid("pay-button")).click()
    expect(frame.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    expect(page.locator(tid("demo-result"))).to_have_text("Payment successful")
    payment_id = frame.locator(tid("payment-id")).inner_text()
    expect(page.locator(tid("demo-log"))).to_contain_text(payment_id)
    assert merchant_api.order(order_id)["status"] == "paid"

    frame.locator(tid("done-button")).click()
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    expect(page.locator(tid("demo-result"))).to_have_text("Checkout closed")

    secret = gateway.test_merchant.api_secret
    assert not [r.url for r in responses if "x-api-secret" in r.request.headers]
    bodies = {
        response.url: response.body()
        for response in responses
        if response.request.method != "OPTIONS" and response.status != 204
    }
    assert any(url.endswith("/demo/order") for url in bodies)
    leaks = [url for url, body in bodies.items() if secret.encode() in body]
    assert leaks == [], f"the API secret reached the browser in {leaks}"
