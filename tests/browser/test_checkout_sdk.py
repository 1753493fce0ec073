"""checkout.js on a merchant's page (its own origin), opening the checkout from the checkout origin."""

from __future__ import annotations

import math
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.held_polls import HeldPolls

pytestmark = pytest.mark.timeout(120)

# How long a payment may take to settle in the browser: the stack runs with
# TEST_PROCESSING_DELAY=1000 (ms) behind an SQS delay, and the page polls every 500 ms.
SETTLE_MS = 30_000

PAYMENT_ID = re.compile(r"^pay_[A-Za-z0-9]{16}$")


def tid(test_id: str) -> str:
    return f'[data-test-id="{test_id}"]'


def open_checkout(
    page: Page, merchant_site, key: str, order: dict, label: str = "main", click: bool = True
) -> FrameLocator:
    """The merchant's page makes a PaymentGateway, the buyer clicks Pay now (or the page calls
    open() itself), and the checkout loads."""
    if not page.url.startswith(f"{merchant_site.url}/shop"):
        page.goto(f"{merchant_site.url}/shop")
    page.evaluate(
        "([label, key, orderId]) => { window.checkout = makeCheckout(label, key, orderId); }", [label, key, order["id"]]
    )
    if click:
        page.click("#open-checkout")
    else:
        page.evaluate("window.checkout.open()")
    frame = page.frame_locator(f"{tid('payment-modal')} >> nth=-1 >> {tid('payment-iframe')}")
    expect(frame.locator(tid("order-id"))).to_have_text(order["id"])
    return frame


def events(page: Page) -> list[dict]:
    return page.evaluate("window.events")


def wait_for_events(page: Page, count: int) -> list[dict]:
    page.wait_for_function("n => window.events.length >= n", arg=count)
    return events(page)


def pay_by_upi(frame: FrameLocator, vpa: str) -> None:
    frame.locator(tid("method-upi")).click()
    frame.get_by_label("UPI ID").fill(vpa)
    frame.locator(tid("pay-button")).click()


def pay_by_card(
    frame: FrameLocator, number: str, expiry: str = "12/35", cvv: str = "123", name: str = "A Buyer"
) -> None:
    frame.locator(tid("method-card")).click()
    expect(frame.locator(tid("card-form"))).to_be_visible()
    expect(frame.locator(tid("upi-form"))).to_be_hidden()
    frame.get_by_label("Card number").fill(number)
    frame.get_by_label("Expiry (MM/YY)").fill(expiry)
    frame.get_by_label("CVV").fill(cvv)
    frame.get_by_label("Name on card").fill(name)
    frame.locator(tid("pay-button")).click()


def probe_success_callbacks(page: Page, merchant_api) -> None:
    """Has the page ask the API, as soon as onSuccess runs, for the payment's status; the answers
    land in window.probes."""
    page.expose_function("onSuccessProbe", lambda payment_id: merchant_api.payment(payment_id)["status"])


def probed_statuses(page: Page, count: int) -> list[str]:
    page.wait_for_function("n => window.probes.length >= n", arg=count)
    return page.evaluate("window.probes")


def test_sdk_adds_only_payment_gateway_and_frames_the_checkout_origin(
    page, merchant_site, checkout_server, merchant_api
):
    page.goto(f"{merchant_site.url}/blank")
    before = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    page.add_script_tag(url=f"{checkout_server.url}/checkout.js")
    after_load = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    assert after_load - before == {"PaymentGateway"}

    order = merchant_api.create_order()
    page.evaluate(
        "([key, orderId]) => { window.gw = new PaymentGateway({key, orderId}); gw.open(); }",
        [merchant_api.key, order["id"]],
    )
    iframe = page.locator(f"{tid('payment-modal')} {tid('payment-iframe')}")
    src = urlsplit(iframe.get_attribute("src"))
    # host defaults to the origin checkout.js came from, not the page's.
    assert f"{src.scheme}://{src.netloc}" == checkout_server.url
    assert src.path == "/checkout"
    assert parse_qs(src.query) == {
        "order_id": [order["id"]],
        "key": [merchant_api.key],
        "embedded": ["true"],
        "parent_origin": [merchant_site.url],
    }
    expect(page.frame_locator(tid("payment-iframe")).locator(tid("order-amount"))).to_have_text("₹500.00")
    expect(page.locator(tid("close-modal-button"))).to_be_visible()
    page.evaluate("gw.close()")
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    # window.gw is the test's own; opening and closing added nothing else.
    assert set(page.evaluate("Object.getOwnPropertyNames(window)")) - before == {"PaymentGateway", "gw"}

    # An explicit host wins, and is reduced to its origin.
    page.evaluate(
        """([key, orderId, host]) => {
        window.gw = new PaymentGateway({key, orderId, host: host + '/some/path/'}); gw.open(); }""",
        [merchant_api.key, order["id"], checkout_server.url],
    )
    assert page.locator(tid("payment-iframe")).get_attribute("src").startswith(f"{checkout_server.url}/checkout?")


def test_sdk_rejects_missing_options_with_clear_errors(page, merchant_site):
    page.goto(f"{merchant_site.url}/shop")
    errors = page.evaluate("""() => [
        () => new PaymentGateway(),
        () => new PaymentGateway({orderId: 'order_x'}),
        () => new PaymentGateway({key: 'key_x'}),
        () => new PaymentGateway({key: '  ', orderId: 'order_x'}),
        () => new PaymentGateway({key: 'key_x', orderId: 'order_x', onSuccess: 'nope'}),
        () => new PaymentGateway({key: 'key_x', orderId: 'order_x', host: 'javascript:alert(1)'}),
    ].map((make) => { try { make(); return null; } catch (e) { return [e instanceof Error, e.message]; } })""")
    assert all(error and error[0] for error in errors), errors
    messages = [error[1] for error in errors]
    assert "options are required" in messages[0]
    assert "`key` is required" in messages[1]
    assert "`orderId` is required" in messages[2]
    assert "`key` is required" in messages[3]
    assert "`onSuccess` must be a function" in messages[4]
    assert "`host` must be an http(s) URL" in messages[5]
    expect(page.locator(tid("payment-modal"))).to_have_count(0)


def test_upi_payment_succeeds_and_reports_only_once_settled(page, merchant_site, merchant_api):
    probe_success_callbacks(page, merchant_api)
    order = merchant_api.create_order(50000)
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    expect(frame.locator(tid("order-amount"))).to_have_text("₹500.00")
    expect(frame.locator(tid("pay-button"))).to_have_text("Pay ₹500.00")

    polls = HeldPolls(page)
    pay_by_upi(frame, "buyer@okbank")
    expect(frame.locator(tid("processing-state"))).to_be_visible()
    assert events(page) == [], "reported before the payment was known to have settled"
    polls.release()
    expect(frame.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    payment_id = frame.locator(tid("payment-id")).inner_text()
    assert PAYMENT_ID.match(payment_id)

    [event] = wait_for_events(page, 1)
    assert event == {
        "label": "main",
        "kind": "success",
        "data": {
            "paymentId": payment_id,
            "orderId": order["id"],
            "amount": 50000,
            "currency": "INR",
            "status": "success",
        },
    }
    assert probed_statuses(page, 1) == ["success"], "onSuccess ran before the payment had succeeded"
    assert merchant_api.order(order["id"])["status"] == "paid"
    payment = merchant_api.payment(payment_id)
    assert (payment["method"], payment["vpa"], payment["status"]) == ("upi", "buyer@okbank", "success")
    # The modal stays open on the receipt until the buyer closes it.
    expect(page.locator(tid("payment-modal"))).to_be_visible()


def fitted_height(page: Page, frame: FrameLocator, screen: str) -> float:
    """Waits (with a deadline) until the modal's frame is as tall as the checkout's content on
    `screen`, or as the cap (640 px, within the viewport's 16 px margins) when the content is
    taller, and answers that height."""
    iframe = page.locator(f"{tid('payment-modal')} >> nth=-1 >> {tid('payment-iframe')}")
    expect(frame.locator(tid(screen))).to_be_visible(timeout=SETTLE_MS)
    viewport = page.viewport_size
    assert viewport
    cap = min(640, viewport["height"] - 32)
    deadline = time.monotonic() + 10
    while True:
        content = frame.locator("main").bounding_box()
        box = iframe.bounding_box()
        assert content and box
        if abs(box["height"] - min(math.ceil(content["height"]), cap)) <= 1:
            return box["height"]
        assert time.monotonic() < deadline, f"the modal is {box['height']} px tall, its content {content['height']}"
        page.wait_for_timeout(50)


def test_the_modal_fits_the_screen_it_shows(page, merchant_site, merchant_api):
    page.set_viewport_size({"width": 1000, "height": 600})  # shorter than the card form
    order = merchant_api.create_order(50000)
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    upi_form = fitted_height(page, frame, "upi-form")
    frame.locator(tid("method-card")).click()
    card_form = fitted_height(page, frame, "card-form")
    assert card_form == 600 - 32, "the card form is capped by the viewport, and scrolls"
    frame.locator(tid("method-upi")).click()
    assert fitted_height(page, frame, "upi-form") == upi_form
    polls = HeldPolls(page)
    pay_by_upi(frame, "buyer@okbank")
    processing = fitted_height(page, frame, "processing-state")
    polls.release()
    receipt = fitted_height(page, frame, "success-state")
    assert max(processing, receipt) < card_form - 100, (processing, receipt, card_form)
    panel = page.locator(f"{tid('payment-modal')} > div").filter(has=page.locator(tid("payment-iframe")))
    box = panel.bounding_box()
    assert box and abs(box["height"] - receipt) <= 1, "the panel hugs its frame"


def test_card_payment_succeeds(page, merchant_site, merchant_api):
    probe_success_callbacks(page, merchant_api)
    order = merchant_api.create_order(123456)
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    expect(frame.locator(tid("order-amount"))).to_have_text("₹1,234.56")

    pay_by_card(frame, "4111 1111 1111 1111")
    expect(frame.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    payment_id = frame.locator(tid("payment-id")).inner_text()
    [event] = wait_for_events(page, 1)
    assert event["kind"] == "success" and event["data"]["paymentId"] == payment_id
    assert event["data"]["amount"] == 123456
    assert probed_statuses(page, 1) == ["success"]
    payment = merchant_api.payment(payment_id)
    assert (payment["method"], payment["card_network"], payment["card_last4"]) == ("card", "visa", "1111")

    # Done closes the modal from inside the checkout, like the close button.
    frame.locator(tid("done-button")).click()
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    assert [e["kind"] for e in wait_for_events(page, 2)] == ["success", "close"]


@pytest.mark.parametrize(
    "method, instrument, code",
    [
        ("upi", "failure@test", "PAYMENT_FAILED"),
        ("card", "4000 0000 0000 0002", "CARD_DECLINED"),
    ],
    ids=["upi-failure@test", "card-declined"],
)
def test_failed_payment_shows_the_error_then_retry_succeeds(
    page, merchant_site, merchant_api, method, instrument, code
):
    order = merchant_api.create_order()
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    (pay_by_upi if method == "upi" else pay_by_card)(frame, instrument)
    expect(frame.locator(tid("error-state"))).to_be_visible(timeout=SETTLE_MS)

    [event] = wait_for_events(page, 1)
    assert event["kind"] == "failure"
    failure = event["data"]
    assert failure["orderId"] == order["id"] and PAYMENT_ID.match(failure["paymentId"])
    payment = merchant_api.payment(failure["paymentId"])
    assert payment["status"] == "failed" and payment["error_code"] == code
    assert failure["error"] == {"code": code, "description": payment["error_description"]}
    expect(frame.locator(tid("error-message"))).to_have_text(payment["error_description"])
    expect(frame.locator(tid("success-state"))).to_be_hidden()

    frame.locator(tid("retry-button")).click()
    expect(frame.locator(tid("pay-button"))).to_be_visible()
    if method == "upi":
        expect(frame.locator(tid("vpa-input"))).to_have_value(instrument)  # kept for correction
        pay_by_upi(frame, "success@test")
    else:
        pay_by_card(frame, "4111 1111 1111 1111")
    expect(frame.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    assert [e["kind"] for e in wait_for_events(page, 2)] == ["failure", "success"]
    assert merchant_api.order(order["id"])["status"] == "paid"


def test_close_button_removes_the_modal_and_fires_on_close(page, merchant_site, merchant_api):
    order = merchant_api.create_order()
    open_checkout(page, merchant_site, merchant_api.key, order)
    assert page.evaluate("document.documentElement.style.overflow") == "hidden"
    page.locator(tid("close-modal-button")).click()
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    expect(page.locator(tid("payment-iframe"))).to_have_count(0)
    assert wait_for_events(page, 1) == [{"label": "main", "kind": "close", "data": None}]
    assert page.evaluate("document.documentElement.style.overflow") == ""
    # Focus goes back to what opened the checkout.
    assert page.evaluate("document.activeElement.id") == "open-checkout"
    # It can open again.
    page.click("#open-checkout")
    expect(page.frame_locator(tid("payment-iframe")).locator(tid("order-id"))).to_have_text(order["id"])


@pytest.mark.parametrize("where", ["merchant-page", "inside-checkout"])
def test_escape_closes_the_modal_and_fires_on_close(page, merchant_site, merchant_api, where):
    order = merchant_api.create_order()
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    if where == "merchant-page":
        page.locator(tid("close-modal-button")).focus()
        page.keyboard.press("Escape")
    else:
        frame.locator(tid("vpa-input")).click()  # focus inside the cross-origin iframe
        frame.locator(tid("vpa-input")).press("Escape")
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    assert wait_for_events(page, 1) == [{"label": "main", "kind": "close", "data": None}]
    page.keyboard.press("Escape")  # closed already: nothing more happens
    assert events(page) == [{"label": "main", "kind": "close", "data": None}]


def active_in_merchant_page(page: Page) -> str:
    return page.evaluate("""() => {
        const active = document.activeElement;
        const modal = document.querySelector('[data-test-id="payment-modal"]');
        if (modal && modal.contains(active)) return active.getAttribute('data-test-id') || 'modal';
        return 'outside:' + (active && (active.id || active.tagName));
    }""")


def test_focus_stays_inside_the_open_modal(page, merchant_site, merchant_api):
    order = merchant_api.create_order()
    frame = open_checkout(page, merchant_site, merchant_api.key, order)
    expect(frame.locator(tid("pay-button"))).to_be_visible()
    assert active_in_merchant_page(page) == "payment-iframe"  # focus moved into the dialog
    assert page.locator(tid("payment-modal")).get_attribute("role") == "dialog"
    assert page.locator(tid("payment-modal")).get_attribute("aria-modal") == "true"
    assert page.locator(tid("close-modal-button")).get_attribute("aria-label")

    seen = set()
    for key in ["Tab"] * 14 + ["Shift+Tab"] * 14:
        page.keyboard.press(key)
        where = active_in_merchant_page(page)
        assert not where.startswith("outside:"), f"focus escaped the modal after {key}: {where}"
        seen.add(where)
    assert seen == {"payment-iframe", "close-modal-button"}  # both ends of the cycle were reached

    page.evaluate("document.getElementById('coupon').focus()")  # focus forced onto the page
    assert active_in_merchant_page(page) == "close-modal-button"


def record_forged_origins(page: Page) -> None:
    """Collects in window.received the origin of each message marked `forged` that reaches the
    page. Registered after the SDK's listener: once it has seen a message, so has the SDK. The
    real checkout may post a resize at any time, so only the messages a test forges count."""
    page.evaluate("""() => { window.received = [];
        window.addEventListener('message', (e) => {
            if (e.data && e.data.forged) window.received.push(e.origin); }); }""")


def test_spoofed_messages_are_ignored(page, merchant_site, other_site, checkout_server, merchant_api):
    order = merchant_api.create_order()
    open_checkout(page, merchant_site, merchant_api.key, order)
    record_forged_origins(page)
    spoofs = [
        {
            "type": "payment_success",
            "data": {
                "paymentId": "pay_AAAAAAAAAAAAAAAA",
                "orderId": order["id"],
                "amount": 50000,
                "currency": "INR",
                "status": "success",
            },
            "forged": True,
        },
        {
            "type": "payment_failed",
            "data": {"orderId": order["id"], "error": {"code": "X", "description": "x"}},
            "forged": True,
        },
        {"type": "close_modal", "forged": True},
        {"type": "resize", "data": {"height": 5}, "forged": True},
    ]
    # 1. From another origin, in a frame of the merchant's page.
    page.evaluate(
        """(src) => new Promise((done) => { const f = document.createElement('iframe');
        f.name = 'other'; f.title = 'Another site'; f.onload = done; f.src = src; document.body.appendChild(f); })""",
        f"{other_site.url}/blank",
    )
    other = page.frame(name="other")
    assert other.evaluate("location.origin") == other_site.url
    other.evaluate("(messages) => messages.forEach((m) => parent.postMessage(m, '*'))", spoofs)
    # 2. From the merchant's own origin.
    page.evaluate("(messages) => messages.forEach((m) => window.postMessage(m, '*'))", spoofs)
    # 3. From the checkout origin, but a frame that is not the SDK's iframe.
    page.evaluate(
        """(src) => new Promise((done) => { const f = document.createElement('iframe');
        f.name = 'lookalike'; f.title = 'Look-alike'; f.onload = done; f.src = src;
        document.body.appendChild(f); })""",
        f"{checkout_server.url}/checkout?order_id={order['id']}&key={merchant_api.key}",
    )
    lookalike = page.frame(name="lookalike")
    lookalike.evaluate(
        "([messages, target]) => messages.forEach((m) => parent.postMessage(m, target))", [spoofs, merchant_site.url]
    )

    page.wait_for_function("(n) => window.received.length >= n", arg=3 * len(spoofs))
    assert sorted(set(page.evaluate("window.received"))) == sorted(
        {other_site.url, merchant_site.url, checkout_server.url}
    )
    assert events(page) == []
    expect(page.locator(tid("payment-modal"))).to_have_count(1)
    frame_box = page.locator(f"{tid('payment-modal')} {tid('payment-iframe')}").bounding_box()
    assert frame_box and frame_box["height"] > 100, "a spoofed resize shrank the checkout"
    # The SDK still listens to its own iframe.
    page.frame_locator(f"{tid('payment-modal')} {tid('payment-iframe')}").locator(tid("vpa-input")).press("Escape")
    expect(page.locator(tid("payment-modal"))).to_have_count(0)
    assert [e["kind"] for e in wait_for_events(page, 1)] == ["close"]


def test_messages_from_its_own_iframe_on_another_origin_are_ignored(page, merchant_site, other_site, merchant_api):
    """The iframe may be navigated away from the checkout (say by a script in it): then its
    messages no longer come from the checkout origin, and count for nothing."""
    order = merchant_api.create_order()
    open_checkout(page, merchant_site, merchant_api.key, order)
    record_forged_origins(page)
    frame = page.locator(tid("payment-iframe")).element_handle().content_frame()
    frame.evaluate("(url) => { location.href = url; }", f"{other_site.url}/blank")
    frame.wait_for_url(f"{other_site.url}/blank")
    frame.evaluate(
        """(orderId) => {
        parent.postMessage({type: 'payment_success', data: {paymentId: 'pay_AAAAAAAAAAAAAAAA', orderId,
            amount: 50000, currency: 'INR', status: 'success'}, forged: true}, '*');
        parent.postMessage({type: 'close_modal', forged: true}, '*'); }""",
        order["id"],
    )
    page.wait_for_function("() => window.received.length >= 2")
    assert page.evaluate("window.received") == [other_site.url, other_site.url]
    assert events(page) == []
    expect(page.locator(tid("payment-modal"))).to_have_count(1)
    page.locator(tid("close-modal-button")).click()
    assert wait_for_events(page, 1) == [{"label": "main", "kind": "close", "data": None}]


def test_two_instances_on_one_page_do_not_interfere(page, merchant_site, merchant_api):
    first_order, second_order = merchant_api.create_order(10000), merchant_api.create_order(20000)
    open_checkout(page, merchant_site, merchant_api.key, first_order, label="first")
    page.evaluate("window.first = window.checkout")
    # The first modal covers the page, so the page itself opens the second.
    second = open_checkout(page, merchant_site, merchant_api.key, second_order, label="second", click=False)
    page.evaluate("window.second = window.checkout")
    expect(page.locator(tid("payment-modal"))).to_have_count(2)
    expect(second.locator(tid("order-amount"))).to_have_text("₹200.00")

    second.locator(tid("vpa-input")).press("Escape")  # the second's own iframe asks to close
    expect(page.locator(tid("payment-modal"))).to_have_count(1)
    assert wait_for_events(page, 1) == [{"label": "second", "kind": "close", "data": None}]
    assert page.evaluate("[first.isOpen, second.isOpen]") == [True, False]

    first = page.frame_locator(tid("payment-iframe"))
    expect(first.locator(tid("order-amount"))).to_have_text("₹100.00")
    pay_by_upi(first, "success@test")
    expect(first.locator(tid("success-state"))).to_be_visible(timeout=SETTLE_MS)
    [_, success] = wait_for_events(page, 2)
    assert (success["label"], success["kind"], success["data"]["orderId"]) == ("first", "success", first_order["id"])
    assert merchant_api.order(second_order["id"])["status"] == "created"


def test_checkout_refuses_a_parent_origin_that_is_not_its_parent(
    page, merchant_site, other_site, checkout_server, merchant_api
):
    """A page cannot frame the checkout while claiming to be another merchant's origin."""
    order = merchant_api.create_order()
    page.goto(f"{merchant_site.url}/blank")
    src = (
        f"{checkout_server.url}/checkout?order_id={order['id']}&key={merchant_api.key}"
        f"&embedded=true&parent_origin={other_site.url}"
    )
    page.evaluate(
        """(src) => { const f = document.createElement('iframe'); f.src = src; f.title = 'Checkout';
        f.setAttribute('data-test-id', 'payment-iframe'); document.body.appendChild(f); }""",
        src,
    )
    frame = page.frame_locator(tid("payment-iframe"))
    expect(frame.locator(tid("error-message"))).to_have_text(
        "This checkout was embedded by a page it does not belong to."
    )
    expect(frame.locator(tid("pay-button"))).to_be_hidden()
    expect(frame.locator(tid("retry-button"))).to_be_hidden()
