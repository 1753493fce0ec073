"""A page written for Razorpay's checkout.js (tests/browser/merchant_site/razorpay.html: Razorpay's
documented standard integration, only its script URL changed) works against this checkout: on
the merchant's origin, with the checkout on its own. Its alert() calls are what it reports."""

from __future__ import annotations

import re

import pytest
import razorpay
from playwright.sync_api import Page, expect

from chalicelib.domain.razorpay_instruments import FAILURES

pytestmark = pytest.mark.timeout(120)

SETTLE_MS = 30_000  # the stack's TEST_PROCESSING_DELAY behind an SQS delay, polled every 500 ms
PAYMENT_ID = re.compile(r"^pay_[A-Za-z0-9]{16}$")
CARD_DECLINED = next(failure for failure in FAILURES if failure.reason == "card_declined")


def tid(test_id: str) -> str:
    return f'[data-test-id="{test_id}"]'


def alerts_after(page: Page, alerts: list[str], count: int) -> list[str]:
    page.wait_for_function("n => window.__alerts >= n", arg=count, timeout=SETTLE_MS)
    return alerts[:count]


@pytest.fixture
def razorpay_page(page: Page, merchant_site, merchant_api):
    """Razorpay's page for a fresh order, the buyer's click on its Pay button, the checkout
    loaded; every alert() it makes is recorded (and counted in the page, to wait on)."""
    order = merchant_api.create_order(50000)
    alerts: list[str] = []

    def on_dialog(dialog) -> None:
        alerts.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.add_init_script(
        "window.__alerts = 0; const shown = window.alert;"
        "window.alert = (m) => { shown.call(window, m); window.__alerts += 1; };"
    )
    page.goto(f"{merchant_site.url}/razorpay?key={merchant_api.key}&order_id={order['id']}")
    page.click("#rzp-button1")
    frame = page.frame_locator(f"{tid('payment-modal')} {tid('payment-iframe')}")
    expect(frame.locator(tid("order-id"))).to_have_text(order["id"])
    return page, frame, order, alerts


def test_razorpays_page_pays_and_its_server_verifies_the_signature(razorpay_page, merchant_api, gateway):
    page, frame, order, alerts = razorpay_page
    # /v1/checkout.js adds Razorpay alone: a page's own globals are left as they were.
    assert page.evaluate("[typeof Razorpay, typeof PaymentGateway]") == ["function", "undefined"]
    # The options show: name, description, logo (from the merchant's origin), colour, amount.
    expect(frame.locator("#merchant-name")).to_have_text("Acme Corp")
    expect(frame.locator(tid("order-description"))).to_have_text("Test Transaction")
    logo = frame.locator(tid("merchant-logo"))
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 48
    expect(frame.locator(tid("order-amount"))).to_have_text("₹500.00")
    pay = frame.locator(tid("pay-button"))
    # #3399cc with black text: white on it would not reach WCAG's 4.5:1 (the accessibility gate).
    expect(pay).to_have_css("background-color", "rgb(51, 153, 204)")
    expect(pay).to_have_css("color", "rgb(0, 0, 0)")

    frame.get_by_label("UPI ID").fill("success@razorpay")
    pay.click()
    # As Razorpay's: the checkout closes on success, then the handler runs.
    payment_id, order_id, signature = alerts_after(page, alerts, 3)
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    assert PAYMENT_ID.match(payment_id) and order_id == order["id"]
    client = razorpay.Client(auth=(merchant_api.key, merchant_api.secret))
    assert client.utility.verify_payment_signature(
        {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature}
    )
    assert merchant_api.payment(payment_id)["status"] == "success"
    assert merchant_api.order(order["id"])["status"] == "paid"
    assert len(alerts) == 3, "modal.ondismiss ran although the buyer did not close the checkout"
    assert gateway.test_merchant.api_secret not in page.content()


def test_razorpays_page_hears_payment_failed_and_ondismiss(razorpay_page, merchant_api):
    page, frame, order, alerts = razorpay_page
    # Razorpay's documented card for card_declined fails with its documented error.
    frame.locator(tid("method-card")).click()
    expect(frame.get_by_label("Name on card")).to_have_value("Gaurav Kumar")  # prefill.name
    frame.get_by_label("Card number").fill("4100 2800 0006 0003")
    frame.get_by_label("Expiry (MM/YY)").fill("12/35")
    frame.get_by_label("CVV").fill("123")
    frame.locator(tid("pay-button")).click()
    failed = alerts_after(page, alerts, 7)
    assert failed[:5] == [
        "BAD_REQUEST_ERROR",
        CARD_DECLINED.description,
        "bank",
        "payment_authorization",
        "card_declined",
    ]
    assert failed[5] == order["id"] and PAYMENT_ID.match(failed[6])
    assert merchant_api.payment(failed[6])["error_code"] == "CARD_DECLINED"

    # The buyer tries again: failure@razorpay fails too, and payment.failed fires again.
    frame.locator(tid("retry-button")).click()
    frame.locator(tid("method-upi")).click()
    frame.get_by_label("UPI ID").fill("failure@razorpay")
    frame.locator(tid("pay-button")).click()
    again = alerts_after(page, alerts, 14)[7:]
    assert (again[0], again[4], again[5]) == ("BAD_REQUEST_ERROR", "payment_failed", order["id"])
    assert PAYMENT_ID.match(again[6]) and again[6] != failed[6]

    # modal.escape is false: Escape, in the checkout or on the page, does not close it.
    frame.locator(tid("retry-button")).press("Escape")
    page.keyboard.press("Escape")
    expect(page.locator(tid("payment-modal"))).to_be_visible()
    # The buyer closes it: modal.ondismiss.
    page.locator(tid("close-modal-button")).click()
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    assert alerts_after(page, alerts, 15)[14] == "Checkout form closed"
    assert merchant_api.order(order["id"])["status"] == "created"
