"""The hosted checkout page on its own (standalone), as a buyer sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.held_polls import HeldPolls
from tests.support.waiting import eventually

pytestmark = pytest.mark.timeout(120)

SETTLE_MS = 30_000  # TEST_PROCESSING_DELAY=1000 behind an SQS delay, polled every 500 ms


def tid(test_id: str) -> str:
    return f'[data-test-id="{test_id}"]'


def open_page(page: Page, checkout_server, key: str, order: dict) -> None:
    page.goto(f"{checkout_server.url}/checkout?order_id={order['id']}&key={key}")
    expect(page.locator(tid("checkout-container"))).to_be_visible()
    expect(page.locator(tid("order-id"))).to_have_text(order["id"])
    expect(page.locator(tid("pay-button"))).to_be_visible()


def payment_requests(page: Page) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url) if request.method == "POST" and "/payments/public" in request.url else None
        ),
    )
    return sent


def test_bad_input_gets_clear_messages_and_sends_nothing(page, checkout_server, merchant_api):
    order = merchant_api.create_order()
    sent = payment_requests(page)
    open_page(page, checkout_server, merchant_api.key, order)
    pay = page.locator(tid("pay-button"))

    # Every input has a label.
    unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll('input'))
        .filter((input) => !input.labels.length || !input.labels[0].textContent.trim()).map((i) => i.id)""")
    assert unlabelled == []

    # UPI is the default method.
    expect(page.locator(tid("upi-form"))).to_be_visible()
    expect(page.locator(tid("card-form"))).to_be_hidden()
    pay.click()
    expect(page.locator(tid("vpa-error"))).to_have_text("Enter your UPI ID")
    for bad in ["not-a-vpa", "a@bank", "name@1bank", "na me@bank"]:
        page.get_by_label("UPI ID").fill(bad)
        pay.click()
        expect(page.locator(tid("vpa-error"))).to_have_text("Enter a valid UPI ID, like name@bank")
    vpa = page.locator(tid("vpa-input"))
    expect(vpa).to_have_attribute("aria-invalid", "true")
    expect(vpa).to_be_focused()
    assert "vpa-error" in vpa.get_attribute("aria-describedby")
    vpa.fill("buyer@okbank")  # fixing it clears the message as the buyer types
    expect(page.locator(tid("vpa-error"))).to_be_hidden()

    page.locator(tid("method-card")).click()
    expect(page.locator(tid("card-form"))).to_be_visible()
    expect(page.locator(tid("upi-form"))).to_be_hidden()
    pay.click()
    expect(page.locator(tid("card-number-error"))).to_have_text("Enter your card number")
    expect(page.locator(tid("expiry-error"))).to_have_text("Enter the expiry date")
    expect(page.locator(tid("cvv-error"))).to_have_text("Enter the CVV")
    expect(page.locator(tid("card-number-input"))).to_be_focused()  # the first field at fault

    cases = [
        ("card-number", "4111 1111 1111 1112", "This card number is not valid"),
        ("card-number", "4111 1111", "A card number has 12 to 19 digits"),
        ("card-number", "4111 abcd 1111 1111", "A card number has digits only"),
        ("expiry", "13/30", "The expiry month must be from 01 to 12"),
        ("expiry", "01/20", "This card has expired"),
        ("expiry", "1230", "Enter the expiry as MM/YY"),
        ("expiry", "12/2200", "Enter a real expiry year"),
        ("cvv", "12", "The CVV has 3 or 4 digits"),
        ("cvv", "12a", "The CVV has 3 or 4 digits"),
    ]
    for field, value, message in cases:
        page.locator(tid(f"{field}-input")).fill(value)
        pay.click()
        expect(page.locator(tid(f"{field}-error"))).to_have_text(message)
        expect(page.locator(tid(f"{field}-input"))).to_have_attribute("aria-invalid", "true")

    # Card numbers are grouped as they are typed.
    number = page.locator(tid("card-number-input"))
    number.fill("")
    number.press_sequentially("4111111111111111")
    expect(number).to_have_value("4111 1111 1111 1111")
    expect(page.locator(tid("card-number-error"))).to_be_hidden()
    expect(page.locator("#card-network")).to_have_text("Visa")

    assert sent == [], "invalid input reached the API"
    expect(page.locator(tid("processing-state"))).to_be_hidden()


def test_standalone_page_pays_by_card_and_then_knows_the_order_is_paid(page, checkout_server, merchant_api):
    order = merchant_api.create_order(50000)
    open_page(page, checkout_server, merchant_api.key, order)
    expect(page.locator(tid("order-amount"))).to_have_text("₹500.00")
    summary = page.locator(tid("order-summary"))
    expect(summary).to_contain_text("Test Merchant")

    page.locator(tid("method-card")).click()
    page.get_by_label("Card number").fill("4111-1111-1111-1111")
    page.get_by_label("Expiry (MM/YY)").fill("12/2035")
    page.get_by_label("CVV").fill("1234")
    polls = HeldPolls(page)
    page.locator(tid("pay-button")).click()
    expect(page.locator(tid("processing-state"))).to_be_visible()
    expect(page.locator(tid("pay-button"))).to_be_hidden()
    polls.release()
    expect(page.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    payment_id = page.locator(tid("payment-id")).inner_text()
    assert re.fullmatch(r"pay_[A-Za-z0-9]{16}", payment_id)
    expect(page.locator(tid("done-button"))).to_be_hidden()  # nothing to close when standalone
    payment = merchant_api.payment(payment_id)
    assert (payment["status"], payment["card_last4"], payment["card_network"]) == ("success", "1111", "visa")

    page.reload()
    expect(page.locator(tid("error-state"))).to_be_visible()
    expect(page.locator(tid("error-message"))).to_have_text("This order has already been paid.")
    expect(page.locator(tid("retry-button"))).to_be_hidden()
    expect(page.locator(tid("pay-button"))).to_be_hidden()


def test_standalone_upi_failure_offers_a_retry(page, checkout_server, merchant_api):
    order = merchant_api.create_order()
    open_page(page, checkout_server, merchant_api.key, order)
    page.get_by_label("UPI ID").fill("failure@test")
    page.locator(tid("pay-button")).click()
    expect(page.locator(tid("error-state"))).to_be_visible(timeout=SETTLE_MS)
    message = page.locator(tid("error-message")).inner_text()
    assert message
    retry = page.locator(tid("retry-button"))
    expect(retry).to_be_visible()
    retry.click()
    expect(page.locator(tid("upi-form"))).to_be_visible()
    expect(page.locator(tid("error-state"))).to_be_hidden()
    page.get_by_label("UPI ID").fill("success@test")
    page.keyboard.press("Enter")  # the form submits from the keyboard too
    expect(page.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)


def test_an_order_paid_elsewhere_meanwhile_cannot_be_paid_again(page, checkout_server, merchant_api, gateway):
    order = merchant_api.create_order()
    open_page(page, checkout_server, merchant_api.key, order)
    # Paid through the API while the buyer was looking at the page.
    created = merchant_api.session.post(
        f"{gateway.api_url}/api/v1/payments",
        timeout=10,
        json={"order_id": order["id"], "method": "upi", "vpa": "success@test"},
    )
    assert created.status_code == 201, created.text
    eventually(
        lambda: merchant_api.order(order["id"])["status"] == "paid",
        timeout=SETTLE_MS / 1000,
        message="the order to be paid",
    )
    page.get_by_label("UPI ID").fill("buyer@okbank")
    page.locator(tid("pay-button")).click()
    expect(page.locator(tid("error-state"))).to_be_visible()
    expect(page.locator(tid("error-message"))).to_have_text(re.compile("already been paid"))
    expect(page.locator(tid("retry-button"))).to_be_hidden()


@pytest.mark.parametrize(
    "amount, currency, shown",
    [
        (12345, "INR", "₹123.45"),
        (100, "INR", "₹1.00"),
        (1500, "JPY", "JP¥1,500"),
        (1234, "KWD", "KWD 1.234"),
    ],
)
def test_amount_is_formatted_from_minor_units_by_currency(page, checkout_server, merchant_api, amount, currency, shown):
    order = merchant_api.create_order(amount, currency)
    open_page(page, checkout_server, merchant_api.key, order)
    # Intl puts a no-break space between a currency code and the number.
    amount_text = re.escape(shown).replace(r"\ ", r"\s")
    expect(page.locator(tid("order-amount"))).to_have_text(re.compile(f"^{amount_text}$"))
    expect(page.locator(tid("pay-button"))).to_have_text(re.compile(f"^Pay {amount_text}$"))


@pytest.mark.parametrize(
    "query, message",
    [
        ("key=key_test_abc123", "This checkout link is missing its order or its key."),
        ("order_id=order_doesnotexist00&key=key_test_abc123", "We could not find this order."),
        ("order_id={order}&key=key_test_unknown", "We could not find this order."),
        (
            "order_id={order}&key=key_test_abc123&embedded=true&parent_origin=https://shop.example",
            "This checkout is meant to be opened by checkout.js.",
        ),
    ],
    ids=["no-order", "unknown-order", "unknown-key", "embedded-without-parent"],
)
def test_a_broken_link_explains_itself(page, checkout_server, merchant_api, query, message):
    order = merchant_api.create_order()
    page.goto(f"{checkout_server.url}/checkout?{query.format(order=order['id'])}")
    expect(page.locator(tid("error-message"))).to_have_text(message)
    expect(page.locator(tid("pay-button"))).to_be_hidden()
    expect(page.locator(tid("retry-button"))).to_be_hidden()
