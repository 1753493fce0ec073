"""A payment made through the API shows up in the dashboard with its final status, is captured
and refunded there; the overview and the refunds list follow."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect


def local_clock(iso: str, zone: str = "Asia/Kolkata") -> str:
    """The h:mm:ss the browser (en-IN, Asia/Kolkata) shows for an API time in UTC."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{moment.hour % 12 or 12}:{moment:%M:%S}"


def test_payment_from_the_api_reaches_its_final_status_and_is_refunded(page, gateway, login, merchant_api, poll):
    merchant = gateway.new_merchant()
    api = merchant_api(merchant)
    login(page, merchant)

    # A fresh merchant: empty states everywhere.
    expect(page.get_by_test_id("total-transactions")).to_have_text("0")
    expect(page.get_by_test_id("dashboard").get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id("nav-transactions").click()
    expect(page.get_by_test_id("transactions-table")).to_be_visible()
    expect(page.get_by_test_id("transaction-row")).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_contain_text("No payments yet")

    # The payment is made by the merchant's server, not by the dashboard.
    payment = api.pay(amount=50000)
    assert payment["status"] == "pending"
    page.get_by_role("button", name="Refresh").click()
    row = page.locator(f"[data-test-id=transaction-row][data-payment-id='{payment['id']}']")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("transaction-amount")).to_have_text(re.compile(r"₹\s?500\.00"))
    # Pending rows refresh by themselves until final: no reload, no click.
    expect(row).to_have_attribute("data-status", "success", timeout=30_000)
    expect(row.get_by_test_id("transaction-status")).to_have_text("success")
    assert api.call("GET", f"/api/v1/payments/{payment['id']}")["status"] == "success"

    # The status filter asks the API for that status only.
    page.get_by_test_id("status-filter").select_option("failed")
    expect(page).to_have_url(re.compile(r"/transactions\?status=failed$"))
    expect(page.get_by_test_id("empty-state")).to_contain_text("No failed payments")
    page.get_by_test_id("status-filter").select_option("success")
    expect(row).to_have_count(1)

    # Payment detail: its fields, Capture, then a partial and a full refund.
    row.get_by_test_id("transaction-id").click()
    expect(page).to_have_url(re.compile(rf"/payments/{payment['id']}$"))
    detail = page.get_by_test_id("payment-detail")
    expect(detail.get_by_test_id("detail-payment-id")).to_have_text(payment["id"])
    expect(detail.get_by_test_id("detail-order-id")).to_have_text(payment["order_id"])
    expect(detail.get_by_test_id("detail-method")).to_contain_text("success@test")
    expect(detail.get_by_test_id("detail-captured")).to_have_text("No")
    # Times are shown in the browser's zone (the context runs in Asia/Kolkata, UTC+5:30).
    expect(detail.get_by_test_id("detail-created")).to_contain_text(local_clock(payment["created_at"]))
    expect(page.get_by_test_id("empty-state")).to_contain_text("No refunds for this payment")

    page.get_by_test_id("capture-button").click()
    expect(detail.get_by_test_id("detail-captured")).to_contain_text("Yes")
    expect(page.get_by_test_id("capture-button")).to_have_count(0)
    assert api.call("GET", f"/api/v1/payments/{payment['id']}")["captured"] is True

    # The Reason field and the button have room between them (no error shown between them yet).
    expect(page.get_by_test_id("refund-error")).to_have_count(0)
    reason_box = page.get_by_test_id("refund-reason-input").bounding_box()
    button_box = page.get_by_test_id("refund-button").bounding_box()
    assert reason_box and button_box
    assert button_box["y"] - (reason_box["y"] + reason_box["height"]) >= 12, (reason_box, button_box)

    # Bad input is caught before it reaches the API.
    page.get_by_test_id("refund-partial").check()
    page.get_by_test_id("refund-amount-input").fill("600")
    page.get_by_test_id("refund-button").click()
    expect(page.get_by_test_id("refund-error")).to_contain_text("At most")
    page.get_by_test_id("refund-amount-input").fill("1.005")
    page.get_by_test_id("refund-button").click()
    expect(page.get_by_test_id("refund-error")).to_contain_text("2 decimal places")

    page.get_by_test_id("refund-amount-input").fill("125.50")
    page.get_by_test_id("refund-reason-input").fill("damaged item")
    page.get_by_test_id("refund-button").click()
    refund_rows = page.get_by_test_id("refund-row")
    expect(refund_rows).to_have_count(1)
    expect(refund_rows.first.get_by_test_id("refund-amount")).to_have_text(re.compile(r"₹\s?125\.50"))
    expect(refund_rows.first).to_have_attribute("data-status", "processed", timeout=30_000)
    expect(page.get_by_test_id("refundable-amount")).to_have_text(re.compile(r"₹\s?374\.50"))
    expect(detail.get_by_test_id("detail-refunded")).to_contain_text("partial")

    page.get_by_test_id("refund-full").check()
    page.get_by_test_id("refund-button").click()
    expect(refund_rows).to_have_count(2)
    expect(page.get_by_test_id("refund-unavailable")).to_contain_text("refunded in full")
    expect(detail.get_by_test_id("detail-refunded")).to_contain_text("full")
    for index in range(2):
        expect(refund_rows.nth(index)).to_have_attribute("data-status", "processed", timeout=30_000)

    after = api.call("GET", f"/api/v1/payments/{payment['id']}")
    assert (after["amount_refunded"], after["refund_status"]) == (50000, "full")
    refunds = api.call("GET", f"/api/v1/payments/{payment['id']}/refunds")
    assert sorted(r["amount"] for r in refunds["data"]) == [12550, 37450]
    assert {r["reason"] for r in refunds["data"]} == {"damaged item", None}

    # The refunds list and the overview agree.
    page.get_by_test_id("nav-refunds").click()
    expect(page.get_by_test_id("refund-row")).to_have_count(2)
    expect(page.locator("[data-test-id=refund-row][data-status=processed]")).to_have_count(2)
    page.get_by_test_id("nav-overview").click()
    expect(page.get_by_test_id("total-transactions")).to_have_text("1")
    expect(page.get_by_test_id("total-amount")).to_have_text(re.compile(r"₹\s?500\.00"))
    expect(page.get_by_test_id("success-rate")).to_have_text("100%")
    expect(page.get_by_test_id("chart-day").locator("rect.bar-success")).to_have_count(1)


def page_ids(page) -> list[str]:
    rows = page.get_by_test_id("transaction-row")
    return [rows.nth(i).get_attribute("data-payment-id") for i in range(rows.count())]


def test_transactions_page_by_cursor_forward_and_back_through_reload_and_history(page, gateway, login, merchant_api):
    merchant = gateway.new_merchant()
    api = merchant_api(merchant)
    made = [api.pay(amount=10000 + n)["id"] for n in range(23)]
    for payment_id in made:  # final, so that the status filter below has them all
        api.wait_payment(payment_id, "success", timeout=60)
    login(page, merchant, "/transactions")
    rows = page.get_by_test_id("transaction-row")
    info = page.get_by_test_id("page-info")
    lists = []
    page.on("request", lambda r: "/api/v1/payments?" in r.url and lists.append(r.url))

    expect(rows).to_have_count(10)
    expect(info).to_have_text("1–10 of 23")
    expect(page.get_by_test_id("page-number")).to_have_text("Page 1 of 3")
    expect(page.get_by_test_id("prev-page")).to_be_disabled()
    first = page_ids(page)

    page.get_by_test_id("next-page").click()
    expect(page).to_have_url(re.compile(r"/transactions\?cursor=[A-Za-z0-9_-]+&page=2$"))
    expect(info).to_have_text("11–20 of 23")
    expect(rows).to_have_count(10)
    second = page_ids(page)
    page.get_by_test_id("next-page").click()
    expect(info).to_have_text("21–23 of 23")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("next-page")).to_be_disabled()
    third = page_ids(page)
    third_url = page.url
    # Every payment exactly once, newest first, across the three pages read by cursor.
    assert first + second + third == list(reversed(made))
    assert all("cursor=" in url and "offset=" not in url for url in lists), lists

    # Previous goes back through the cursors; a reload keeps the page and the way back.
    page.get_by_test_id("prev-page").click()
    expect(info).to_have_text("11–20 of 23")
    assert page_ids(page) == second
    page.reload()
    expect(info).to_have_text("11–20 of 23")
    assert page_ids(page) == second
    page.get_by_test_id("prev-page").click()
    expect(info).to_have_text("1–10 of 23")
    expect(page).to_have_url(re.compile(r"/transactions$"))
    assert page_ids(page) == first
    # The browser's back button retraces the pages.
    page.go_back()
    expect(info).to_have_text("11–20 of 23")
    assert page_ids(page) == second
    page.go_back()
    expect(info).to_have_text("21–23 of 23")
    assert page_ids(page) == third

    # A copied link opens the same page; with no way back known, it offers the first page.
    page.goto("/transactions")
    expect(info).to_have_text("1–10 of 23")
    page.goto(third_url)
    expect(info).to_have_text("21–23 of 23")
    assert page_ids(page) == third
    expect(page.get_by_test_id("prev-page")).to_be_disabled()
    page.get_by_test_id("first-page").click()
    expect(info).to_have_text("1–10 of 23")

    # A filter starts again from the first page.
    page.get_by_test_id("next-page").click()
    expect(info).to_have_text("11–20 of 23")
    page.get_by_test_id("status-filter").select_option("success")
    expect(page).to_have_url(re.compile(r"/transactions\?status=success$"))
    expect(page.get_by_test_id("page-number")).to_have_text("Page 1 of 3")
    expect(rows).to_have_count(10)
    assert page_ids(page) == first


def test_a_time_range_has_no_exact_total_and_says_so(page, gateway, login, merchant_api):
    merchant = gateway.new_merchant()
    api = merchant_api(merchant)
    for n in range(12):
        api.pay(amount=20000 + n)
    login(page, merchant, "/transactions")
    info = page.get_by_test_id("page-info")
    expect(info).to_have_text("1–10 of 12")
    yesterday = (datetime.now(ZoneInfo("Asia/Kolkata")) - timedelta(days=1)).date().isoformat()
    with page.expect_response(lambda r: "/api/v1/payments?" in r.url and "from=" in r.url) as answer:
        page.get_by_test_id("since-filter").fill(yesterday)
    assert answer.value.json()["total"] is None
    expect(page).to_have_url(re.compile(rf"/transactions\?since={yesterday}$"))
    expect(info).to_have_text("1–10 of more than 10")
    expect(page.get_by_test_id("pagination")).to_have_attribute("data-total", "unknown")
    expect(page.get_by_test_id("page-number")).to_have_text("Page 1")
    page.get_by_test_id("next-page").click()
    expect(info).to_have_text("11–12 of 12")
    expect(page.get_by_test_id("next-page")).to_be_disabled()
    expect(page.get_by_test_id("page-number")).to_have_text("Page 2")
    expect(page.get_by_test_id("transaction-row")).to_have_count(2)


def test_pages_show_loading_and_error_states_and_recover(page, gateway, login, poll):
    login(page, gateway.new_merchant())
    # Loading: the refunds list is held back until the test lets it through.
    held = []
    page.route(re.compile(r".*/api/v1/refunds\?.*"), lambda route: held.append(route))
    page.get_by_test_id("nav-refunds").click()
    expect(page.get_by_test_id("loading-state")).to_contain_text("Loading refunds")
    # (each evaluate lets Playwright dispatch the route handler)
    poll(lambda: held or page.evaluate("() => false"), 10, "the refunds request to be held")
    expect(page.get_by_test_id("loading-state")).to_contain_text("Loading refunds")
    held[0].continue_()
    expect(page.get_by_test_id("empty-state")).to_contain_text("No refunds yet")
    expect(page.get_by_test_id("loading-state")).to_have_count(0)
    page.unroute(re.compile(r".*/api/v1/refunds\?.*"))

    # Simulate the network failing for the payments list only: the page must say so and offer a retry.
    page.route(re.compile(r".*/api/v1/payments\?.*"), lambda route: route.abort("connectionrefused"))
    page.get_by_test_id("nav-transactions").click()
    error = page.get_by_test_id("error-state")
    expect(error).to_contain_text("Could not load payments")
    expect(error).to_contain_text("Cannot reach the API")
    page.unroute(re.compile(r".*/api/v1/payments\?.*"))
    error.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("transactions-table")).to_be_visible()
    expect(page.get_by_test_id("error-state")).to_have_count(0)

    # A payment that does not exist: trying again cannot help, the way on is back to the list.
    page.goto("/payments/pay_doesNotExist0000")
    missing = page.get_by_test_id("payment-missing")
    expect(missing).to_contain_text("No such payment")
    expect(missing).to_contain_text("pay_doesNotExist0000")
    expect(missing.get_by_role("button", name="Try again")).to_have_count(0)
    missing.get_by_test_id("back-to-transactions").click()
    expect(page).to_have_url(re.compile(r"/transactions$"))
    expect(page.get_by_test_id("transactions-table")).to_be_visible()
