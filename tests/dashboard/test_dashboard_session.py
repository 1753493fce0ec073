"""Logging in and out, the Bearer token on every call, and a 401 sending the user back to login."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from .conftest import SESSION_KEY


def test_login_shows_the_overview_and_every_api_call_carries_the_bearer_token(page, gateway, artifacts, stored_token):
    merchant = gateway.test_merchant
    api_calls = []
    page.on("request", lambda r: api_calls.append(r) if r.url.startswith(gateway.api_url + "/api/") else None)

    page.goto("/transactions")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Ftransactions$"))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.screenshot(path=str(artifacts / "login.png"), full_page=True)

    page.get_by_test_id("email-input").fill(merchant.email)
    page.get_by_test_id("password-input").fill("not-the-password")
    page.get_by_test_id("login-button").click()
    expect(page.get_by_test_id("login-error")).to_contain_text("do not match")
    assert stored_token(page) is None

    page.get_by_test_id("password-input").fill(merchant.password)
    page.get_by_test_id("login-button").click()
    # Back where the user was going.
    expect(page.get_by_test_id("transactions-table")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/transactions$"))
    token = stored_token(page)
    assert token

    page.get_by_test_id("nav-overview").click()
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    expect(page.get_by_test_id("stats-container")).to_be_visible()
    for test_id in ("total-transactions", "total-amount", "success-rate"):
        expect(page.get_by_test_id(test_id)).not_to_be_empty()
    expect(page.get_by_test_id("api-credentials")).to_be_visible()
    expect(page.get_by_test_id("api-key")).to_have_text(merchant.api_key)
    # The secret stays masked until revealed.
    expect(page.get_by_test_id("api-secret")).not_to_contain_text(merchant.api_secret)
    page.get_by_test_id("reveal-api-secret").click()
    page.get_by_test_id("reveal-password-input").fill(merchant.password)
    page.get_by_test_id("reveal-password-submit").click()
    expect(page.get_by_test_id("api-secret")).to_have_text(merchant.api_secret)

    login_calls = [r for r in api_calls if r.url.endswith("/api/v1/dashboard/login") and r.method == "POST"]
    others = [r for r in api_calls if not r.url.endswith("/api/v1/dashboard/login") and r.method != "OPTIONS"]
    assert len(login_calls) == 2 and others
    assert all("authorization" not in r.headers for r in login_calls)
    assert {r.headers.get("authorization") for r in others} == {f"Bearer {token}"}, [
        (r.url, r.headers.get("authorization")) for r in others
    ]


def test_logout_ends_the_session_on_the_server_and_in_the_browser(page, gateway, login, stored_token):
    login(page, gateway.test_merchant)
    token = stored_token(page)
    profile = requests.get(
        f"{gateway.api_url}/api/v1/merchant", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert profile.status_code == 200 and profile.json()["email"] == gateway.test_merchant.email

    with page.expect_request(lambda r: r.url.endswith("/api/v1/dashboard/logout") and r.method == "POST") as logout:
        page.get_by_test_id("logout-button").click()
    assert logout.value.headers.get("authorization") == f"Bearer {token}"
    expect(page.get_by_test_id("login-form")).to_be_visible()
    assert stored_token(page) is None
    after = requests.get(f"{gateway.api_url}/api/v1/merchant", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert after.status_code == 401

    # Nothing behind the login once logged out, even by address.
    page.goto("/webhooks")
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_a_401_from_the_api_sends_the_user_back_to_login(page, gateway, login, stored_token):
    login(page, gateway.test_merchant)
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    # The token stops working (as when it expires or is revoked) while the dashboard is open.
    page.evaluate(f"""() => {{
        const s = JSON.parse(window.sessionStorage.getItem('{SESSION_KEY}'));
        s.token = 'revoked-' + s.token;
        window.sessionStorage.setItem('{SESSION_KEY}', JSON.stringify(s));
    }}""")
    page.get_by_test_id("nav-refunds").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Frefunds$"))
    expect(page.get_by_test_id("login-notice")).to_contain_text("log in again")
    assert stored_token(page) is None

    page.get_by_test_id("email-input").fill(gateway.test_merchant.email)
    page.get_by_test_id("password-input").fill(gateway.test_merchant.password)
    page.get_by_test_id("login-button").click()
    expect(page.get_by_test_id("refunds-page")).to_be_visible()
