"""The API keys page: Reveal asks the password again, Rotate secret says how long the old one
lasts, and Log out everywhere ends every session. Each test uses a fresh merchant: rotating the
seeded one would change the secret other tests use."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.support.chromium import axe_check


def bearer(gateway, merchant) -> dict[str, str]:
    answer = requests.post(
        gateway.api_url + "/api/v1/dashboard/login",
        json={"email": merchant.email, "password": merchant.password},
        timeout=10,
    )
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def calls_api(gateway, api_key: str, secret: str) -> int:
    return requests.get(gateway.api_url + "/api/v1/orders", auth=(api_key, secret), timeout=10).status_code


def test_reveal_asks_the_password_and_says_when_it_is_wrong(page, gateway, login):
    merchant = gateway.new_merchant()
    requests_seen = []
    page.on("request", lambda r: requests_seen.append(r) if "/api/v1/merchant/credentials" in r.url else None)
    login(page, merchant, "/api-keys")
    expect(page.get_by_test_id("api-key")).to_have_text(merchant.api_key)
    page.get_by_test_id("reveal-api-secret").click()
    form = page.get_by_test_id("reveal-password-form")
    expect(form).to_be_visible()
    axe_check(page, "the reveal password form")
    expect(page.get_by_test_id("api-secret")).not_to_contain_text(merchant.api_secret)

    page.get_by_test_id("reveal-password-input").fill("not-the-password")
    page.get_by_test_id("reveal-password-submit").click()
    expect(page.get_by_test_id("reveal-password-error")).to_have_text("Incorrect password. Try again.")
    expect(page.get_by_test_id("api-secret")).not_to_contain_text(merchant.api_secret)
    expect(page.get_by_test_id("logout-button")).to_be_visible()  # a typo does not end the session

    page.get_by_test_id("reveal-password-input").fill(merchant.password)
    page.get_by_test_id("reveal-password-submit").click()
    expect(page.get_by_test_id("api-secret")).to_have_text(merchant.api_secret)
    expect(form).to_have_count(0)
    # The secret came from the password-checked POST; the session's GET never carried it.
    reveals = [r for r in requests_seen if r.url.endswith("/credentials/reveal") and r.method == "POST"]
    assert len(reveals) == 2
    for read in [r for r in requests_seen if r.url.endswith("/credentials") and r.method == "GET"]:
        assert merchant.api_secret not in (read.response().text() if read.response() else "")


def test_rotate_secret_confirms_the_overlap_then_shows_the_new_secret_once(page, gateway, login):
    merchant = gateway.new_merchant()
    login(page, merchant, "/api-keys")
    page.get_by_test_id("rotate-secret-button").click()
    expect(page.get_by_test_id("rotate-secret-overlap")).to_contain_text("keeps working for 24 hours")
    axe_check(page, "the rotate confirmation")
    page.get_by_test_id("rotate-password-input").fill("wrong-password")
    page.get_by_test_id("rotate-password-submit").click()
    expect(page.get_by_test_id("rotate-password-error")).to_have_text("Incorrect password. Try again.")
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200

    page.get_by_test_id("rotate-password-input").fill(merchant.password)
    page.get_by_test_id("rotate-password-submit").click()
    expect(page.get_by_test_id("rotate-secret-done")).to_contain_text("previous secret keeps working until")
    shown = page.get_by_test_id("api-secret")
    expect(shown).to_have_text(re.compile(r"^secret_[0-9a-f]{40}$"))
    new_secret = shown.inner_text()
    assert new_secret != merchant.api_secret
    assert calls_api(gateway, merchant.api_key, new_secret) == 200
    assert calls_api(gateway, merchant.api_key, merchant.api_secret) == 200  # inside the overlap
    # After a reload the new secret is masked again, and the overlap's end is still said.
    page.reload()
    expect(page.get_by_test_id("previous-secret-notice")).to_contain_text("keeps working until")
    expect(page.get_by_test_id("api-secret")).not_to_contain_text(new_secret)


def test_log_out_everywhere_ends_every_session_and_a_new_login_works(page, gateway, login, stored_token):
    merchant = gateway.new_merchant()
    login(page, merchant)
    here = {"Authorization": f"Bearer {stored_token(page)}"}
    elsewhere = bearer(gateway, merchant)
    profile = gateway.api_url + "/api/v1/merchant"
    assert requests.get(profile, headers=elsewhere, timeout=10).status_code == 200

    with page.expect_request(lambda r: r.url.endswith("/api/v1/dashboard/logout-everywhere")) as sent:
        page.get_by_test_id("logout-everywhere-button").click()
    assert sent.value.headers.get("authorization") == here["Authorization"]
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.get_by_test_id("login-notice")).to_contain_text("logged out everywhere")
    assert stored_token(page) is None
    for headers in (here, elsewhere):
        assert requests.get(profile, headers=headers, timeout=10).status_code == 401

    login(page, merchant)
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    assert (
        requests.get(profile, headers={"Authorization": f"Bearer {stored_token(page)}"}, timeout=10).status_code == 200
    )
