"""Authentication on every /api/v1 endpoint: key and secret headers, HTTP Basic, dashboard sessions."""

from __future__ import annotations

import requests

INVALID = {"error": {"code": "AUTHENTICATION_ERROR", "description": "Invalid API credentials"}}


def url(gateway, path):
    return gateway.api_url + path


def test_key_and_secret_headers(gateway):
    response = requests.get(
        url(gateway, "/api/v1/orders"), headers={"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"}
    )
    assert response.status_code == 200 and "data" in response.json()


def test_http_basic_as_the_razorpay_client_sends_it(gateway):
    response = requests.get(url(gateway, "/api/v1/orders"), auth=("key_test_abc123", "secret_test_xyz789"))
    assert response.status_code == 200


def test_wrong_secret_missing_headers_and_unknown_key_are_401(gateway):
    attempts = [
        {"X-Api-Key": "key_test_abc123", "X-Api-Secret": "wrong"},
        {"X-Api-Key": "key_test_abc123"},
        {},
        {"X-Api-Key": "key_nobody", "X-Api-Secret": "secret_test_xyz789"},
        {"Authorization": "Basic bm90LWJhc2U2NA==="},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Token abc"},
    ]
    for headers in attempts:
        response = requests.get(url(gateway, "/api/v1/orders"), headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert requests.get(url(gateway, "/api/v1/orders"), auth=("key_test_abc123", "nope")).json() == INVALID


def test_every_private_endpoint_requires_credentials(gateway):
    paths = [
        ("GET", "/api/v1/orders"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/orders/order_x"),
        ("GET", "/api/v1/payments"),
        ("POST", "/api/v1/payments"),
        ("GET", "/api/v1/payments/pay_x"),
        ("POST", "/api/v1/payments/pay_x/capture"),
        ("POST", "/api/v1/payments/pay_x/refunds"),
        ("GET", "/api/v1/refunds"),
        ("GET", "/api/v1/webhooks"),
        ("GET", "/api/v1/merchant"),
        ("PUT", "/api/v1/merchant/webhook"),
        ("GET", "/api/v1/merchant/credentials"),
        ("POST", "/api/v1/merchant/webhook/secret"),
        ("POST", "/api/v1/webhooks/evt_x/retry"),
    ]
    for method, path in paths:
        response = requests.request(method, url(gateway, path), json={})
        assert response.status_code == 401, (method, path)


def test_another_merchants_order_is_not_found(gateway):
    other = gateway.new_merchant()
    order = gateway.session().post(url(gateway, "/api/v1/orders"), json={"amount": 1000}).json()
    response = gateway.session(other).get(url(gateway, f"/api/v1/orders/{order['id']}"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND_ERROR"
    listed = gateway.session(other).get(url(gateway, "/api/v1/orders")).json()
    assert order["id"] not in [o["id"] for o in listed["data"]]


def test_dashboard_session_login_use_and_logout(gateway):
    merchant = gateway.new_merchant()
    bad = requests.post(url(gateway, "/api/v1/dashboard/login"), json={"email": merchant.email, "password": "wrong"})
    assert bad.status_code == 401
    login = requests.post(
        url(gateway, "/api/v1/dashboard/login"), json={"email": merchant.email.upper(), "password": merchant.password}
    )
    assert login.status_code == 200
    token = login.json()["token"]
    assert login.json()["merchant"]["id"] == merchant.id and login.json()["expires_at"].endswith("Z")
    bearer = {"Authorization": f"Bearer {token}"}
    profile = requests.get(url(gateway, "/api/v1/merchant"), headers=bearer)
    assert profile.status_code == 200 and profile.json()["id"] == merchant.id
    assert "api_secret" not in profile.json()
    assert requests.post(url(gateway, "/api/v1/dashboard/logout"), headers=bearer).status_code == 200
    assert requests.get(url(gateway, "/api/v1/merchant"), headers=bearer).status_code == 401


def test_the_seeded_merchant_logs_in_with_the_readme_password(gateway):
    login = requests.post(
        url(gateway, "/api/v1/dashboard/login"), json={"email": "test@example.com", "password": "test-password-123"}
    )
    assert login.status_code == 200


def test_public_endpoints_take_the_key_alone(gateway):
    order = gateway.session().post(url(gateway, "/api/v1/orders"), json={"amount": 1000}).json()
    public = requests.get(url(gateway, f"/api/v1/orders/{order['id']}/public"), params={"key": "key_test_abc123"})
    assert public.status_code == 200
    assert set(public.json()) == {"id", "amount", "currency", "status", "receipt", "merchant_name"}
    assert (
        requests.get(url(gateway, f"/api/v1/orders/{order['id']}/public"), params={"key": "key_wrong"}).status_code
        == 401
    )
    assert requests.get(url(gateway, f"/api/v1/orders/{order['id']}/public")).status_code == 401
    other = gateway.new_merchant()
    assert (
        requests.get(url(gateway, f"/api/v1/orders/{order['id']}/public"), params={"key": other.api_key}).status_code
        == 404
    )


def test_test_endpoints_need_no_auth(gateway):
    seeded = requests.get(url(gateway, "/api/v1/test/merchant")).json()
    assert seeded == {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "email": "test@example.com",
        "api_key": "key_test_abc123",
        "seeded": True,
    }
    status = requests.get(url(gateway, "/api/v1/test/jobs/status")).json()
    assert set(status) == {"pending", "processing", "completed", "failed", "worker_status"}
