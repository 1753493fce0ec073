"""Live lists: pending rows are polled one by one, with backoff, only while shown and visible.

The browser's clock is Playwright's fake one (page.clock), paused: the page's timers fire only when
the test moves the clock, so the schedule is checked step by step, with deadlines on what must
follow each step and never a measured time. The requests are counted from Playwright's request
events; the page's poll line (data-polls, data-delay, data-state) says when a poll has finished,
so the test knows when the next wait has started.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.waiting import eventually

BY_ID = re.compile(r"^/api/v1/webhooks/[^/]+$")
LIST = "/api/v1/webhooks"
DELAYS = [1000, 2000, 4000, 8000, 16000, 30000, 30000]  # web/src/polling.js: 1 s doubling to 30 s


class Requests:
    """The GETs the page makes to the delivery log and to single deliveries, as they happen."""

    def __init__(self, page):
        self.by_id: list[str] = []
        self.lists: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method != "GET":
            return
        path = urlsplit(request.url).path
        if path == LIST:
            self.lists.append(request.url)
        elif BY_ID.match(path):
            self.by_id.append(path)


def set_visibility(page, state: str) -> None:
    page.evaluate(
        """(state) => {
          Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
          Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
          document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


def polls(page) -> int:
    return int(page.get_by_test_id("poll-status").get_attribute("data-polls"))


@pytest.mark.timeout(240)
def test_pending_rows_are_polled_by_id_with_backoff_paused_while_hidden_until_final(
    page, gateway, login, receivers, merchant_api
):
    receiver = receivers(status=500)  # every attempt fails: the delivery stays pending, retried
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    seen = Requests(page)
    page.clock.install()
    login(page, merchant, "/webhooks")
    expect(page.get_by_test_id("empty-state")).to_contain_text("No webhook deliveries yet")
    assert len(seen.lists) == 1
    # Paused from here (nothing is pending yet, so no poll is due); axe-core's own timers need it
    # running again for the checks at the end of the test.
    page.clock.pause_at(page.evaluate("() => Date.now()") / 1000 + 1)  # Python's clock takes seconds
    try:
        follow_the_schedule(page, seen, receiver, api)
    finally:
        page.clock.resume()


def follow_the_schedule(page, seen, receiver, api) -> None:

    # The scheduled delivery shows at once, though the log was read before it existed.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/merchant/webhook/test")) as answer:
        page.get_by_test_id("test-webhook-button").click()
    event_id = answer.value.json()["id"]
    row = page.locator(f"[data-test-id=webhook-log-item][data-delivery-id='{event_id}']")
    expect(row).to_have_attribute("data-status", "pending")
    expect(row).to_have_attribute("data-just-created", "true")
    expect(page.get_by_test_id("just-created-note")).to_contain_text(event_id)
    expect(page.get_by_test_id("error-state")).to_have_count(0)
    receiver.wait_for(lambda d: d.headers.get("webhook-id") == event_id)  # answered 500: retried later
    eventually(lambda: len(seen.by_id) == 1, timeout=10, message="the scheduled delivery read by id")
    status = page.get_by_test_id("poll-status")
    expect(status).to_have_attribute("data-state", "waiting")
    expect(status).to_have_attribute("data-delay", "1000")
    expect(status).to_have_attribute("data-pending", "1")

    # The waits double from 1 s to 30 s: nothing before each is over, one read by id when it is.
    for step, delay in enumerate(DELAYS):
        done, reads = polls(page), len(seen.by_id)
        page.clock.run_for(delay - 1)
        expect(status).to_have_attribute("data-state", "waiting")
        assert polls(page) == done, f"step {step}: polled before its {delay} ms wait was over"
        page.clock.run_for(1)
        expect(status).to_have_attribute("data-polls", str(done + 1))
        expect(status).to_have_attribute("data-delay", str(min(delay * 2, 30000)))
        eventually(lambda n=reads: len(seen.by_id) == n + 1, timeout=10, message=f"step {step}: one read by id")
        assert set(seen.by_id[reads:]) == {f"/api/v1/webhooks/{event_id}"}
        expect(row).to_have_attribute("data-status", "pending")
    assert len(seen.lists) == 1, "the polling read the whole list"

    # Hidden: no reads however long; shown again: one read at once, and the waits start over.
    set_visibility(page, "hidden")
    expect(status).to_have_attribute("data-state", "paused")
    done, reads = polls(page), len(seen.by_id)
    page.clock.run_for(10 * 60 * 1000)
    expect(status).to_have_attribute("data-state", "paused")
    assert polls(page) == done and len(seen.by_id) == reads
    set_visibility(page, "visible")
    expect(status).to_have_attribute("data-polls", str(done + 1))
    expect(status).to_have_attribute("data-delay", "1000")
    eventually(lambda: len(seen.by_id) == reads + 1, timeout=10, message="one read when the tab shows")

    # A user action (Refresh) reads the list and starts the waits over.
    page.clock.run_for(1000)
    expect(status).to_have_attribute("data-delay", "2000")
    page.get_by_test_id("refresh-webhook-logs").click()
    eventually(lambda: len(seen.lists) == 2, timeout=10, message="Refresh to read the list")
    expect(status).to_have_attribute("data-delay", "1000")
    expect(row).to_have_attribute("data-status", "pending")

    # The receiver recovers: the next attempt succeeds, and the next poll shows it; then none.
    attempts = len(receiver.matching(lambda d: d.headers.get("webhook-id") == event_id))
    receiver.status = 200
    receiver.wait_for(lambda d: d.headers.get("webhook-id") == event_id, count=attempts + 1, timeout=60)
    api_state = eventually(
        lambda: (d := api.call("GET", f"/api/v1/webhooks/{event_id}"))["status"] != "pending" and d,
        timeout=30,
        message="the delivery to be recorded",
    )
    assert api_state["status"] == "success", api_state
    deadline = time.monotonic() + 30
    while row.get_attribute("data-status") == "pending":
        assert time.monotonic() < deadline, "the row never showed the delivery's success"
        done = polls(page)
        page.clock.run_for(int(status.get_attribute("data-delay")))
        expect(status).to_have_attribute("data-polls", str(done + 1))
    expect(row).to_have_attribute("data-status", "success")
    expect(row.get_by_test_id("webhook-response-code")).to_have_text("200")
    expect(status).to_have_attribute("data-state", "idle")
    expect(status).to_be_hidden()
    reads, done = len(seen.by_id), polls(page)
    page.clock.run_for(10 * 60 * 1000)
    expect(page.get_by_test_id("webhook-log-item")).to_have_count(1)
    assert polls(page) == done and len(seen.by_id) == reads, "polled with nothing pending"


def test_a_refund_just_created_shows_while_the_lists_lag_and_is_never_an_error(page, gateway, login, merchant_api):
    merchant = gateway.new_merchant()
    api = merchant_api(merchant)
    payment = api.wait_payment(api.pay(amount=40000)["id"], "success")

    # The lists' index lags: every refunds list read comes back without the refunds (as a
    # DynamoDB index may right after a write), while reads by id are up to date.
    lagging = re.compile(r".*/api/v1/(payments/[^/]+/)?refunds\?.*")

    def without_refunds(route):
        if route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        body = response.json()
        body["data"] = []
        route.fulfill(response=response, json=body)

    page.route(lagging, without_refunds)
    login(page, merchant, f"/payments/{payment['id']}")
    expect(page.get_by_test_id("empty-state")).to_contain_text("No refunds for this payment")

    with page.expect_response(lambda r: r.url.endswith("/refunds") and r.request.method == "POST") as created:
        page.get_by_test_id("refund-button").click()
    assert created.value.status == 201
    refund_id = created.value.json()["id"]
    row = page.locator(f"[data-test-id=refund-row][data-refund-id='{refund_id}']")
    expect(row).to_have_attribute("data-just-created", "true")
    expect(page.get_by_test_id("just-created-note")).to_contain_text(refund_id)
    expect(page.get_by_test_id("just-created-note")).to_contain_text("may take a moment to appear")
    # It is read by id until it is final, like any pending row.
    expect(row).to_have_attribute("data-status", "processed", timeout=30_000)
    expect(page.get_by_test_id("error-state")).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_have_count(0)

    # The merchant's refunds list, still lagging: the refund is there, flagged, and no error.
    page.get_by_test_id("nav-refunds").click()
    expect(page.get_by_test_id("refunds-page")).to_be_visible()
    expect(row).to_have_attribute("data-just-created", "true")
    expect(row).to_have_attribute("data-status", "processed")
    expect(page.get_by_test_id("just-created-note")).to_contain_text(refund_id)
    expect(page.get_by_test_id("error-state")).to_have_count(0)
    expect(page.get_by_test_id("empty-state")).to_have_count(0)

    # The index catches up: the list shows it on its own, and the note goes.
    page.unroute(lagging)
    page.get_by_role("button", name="Refresh").click()
    expect(row).not_to_have_attribute("data-just-created", "true")
    expect(page.get_by_test_id("just-created-note")).to_have_count(0)
    expect(page.get_by_test_id("refund-row")).to_have_count(1)
