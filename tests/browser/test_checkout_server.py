"""infra/local/checkout_server.py over HTTP: its routes, the demo order route, and its lifecycle."""

from __future__ import annotations

import os
import signal

import pytest
import requests

from tests.support.ports import free_port

from .conftest import start_checkout_server

pytestmark = pytest.mark.timeout(120)


def test_serves_the_sdk_the_pages_and_the_config(checkout_server, gateway):
    base = checkout_server.url
    sdk = requests.get(f"{base}/checkout.js", timeout=10)
    assert sdk.status_code == 200
    assert sdk.headers["Content-Type"].startswith("text/javascript")
    assert sdk.headers["Access-Control-Allow-Origin"] == "*"  # SRI with crossorigin="anonymous"
    assert "PaymentGateway" in sdk.text and len(sdk.content) < 20_000  # the minified bundle

    for path, marker in [
        ("/checkout", 'data-test-id="checkout-container"'),
        ("/demo", 'data-test-id="demo-buy-button"'),
        ("/demo.html", 'data-test-id="demo-buy-button"'),
    ]:
        answer = requests.get(base + path, timeout=10)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith("text/html"), path
        assert marker in answer.text, path
        policy = answer.headers["Content-Security-Policy"]
        assert f"connect-src 'self' {gateway.api_url};" in policy
        assert "frame-ancestors" not in policy  # any merchant may embed the checkout
        assert answer.headers["X-Content-Type-Options"] == "nosniff"

    config = requests.get(f"{base}/config.js", timeout=10)
    assert config.status_code == 200
    assert config.headers["Content-Type"].startswith("text/javascript")
    assert config.text == f'window.PAYGW_CHECKOUT_CONFIG = Object.freeze({{"apiUrl": "{gateway.api_url}"}});\n'
    assert gateway.test_merchant.api_secret not in config.text

    assert requests.get(f"{base}/nothing-here", timeout=10).status_code == 404
    assert requests.get(f"{base}/../infra/local/checkout_server.py", timeout=10).status_code == 404


def test_demo_order_route_makes_a_real_order_and_keeps_the_secret(checkout_server, gateway, merchant_api):
    url = f"{checkout_server.url}/demo/order"
    answer = requests.post(url, json={"amount": 12300}, timeout=15)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"order_id", "key", "amount", "currency"}
    assert (body["key"], body["amount"], body["currency"]) == (gateway.test_merchant.api_key, 12300, "INR")
    assert gateway.test_merchant.api_secret not in answer.text
    order = merchant_api.order(body["order_id"])
    assert (order["amount"], order["status"]) == (12300, "created")

    assert requests.post(url, json={}, timeout=15).json()["amount"] == 50000  # the default


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"method": "GET"}, 405),
        ({"data": "amount=100", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 415),
        ({"data": '{"amount": 100}', "headers": {"Content-Type": "text/plain"}}, 415),
        ({"json": {"amount": 100}, "headers": {"Origin": "http://evil.example"}}, 403),
        ({"json": {"amount": 99}}, 400),
        ({"json": {"amount": 10_000_001}}, 400),
        ({"json": {"amount": "100"}}, 400),
        ({"json": {"amount": True}}, 400),
        ({"json": {"amount": 100, "currency": "rupees"}}, 400),
        ({"json": [1, 2]}, 400),
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400),
    ],
    ids=[
        "get",
        "form",
        "text",
        "foreign-origin",
        "too-small",
        "too-large",
        "string",
        "bool",
        "currency",
        "array",
        "malformed",
    ],
)
def test_demo_order_route_refuses_bad_requests(checkout_server, kwargs, status):
    kwargs = dict(kwargs)
    method = kwargs.pop("method", "POST")
    answer = requests.request(method, f"{checkout_server.url}/demo/order", timeout=15, **kwargs)
    assert answer.status_code == status, answer.text


def test_demo_order_route_explains_an_unreachable_api(checkout_dist):
    dead_api = f"http://127.0.0.1:{free_port()}"
    server = start_checkout_server(
        {
            **os.environ,
            "API_URL": dead_api,
            "CHECKOUT_PORT": "0",
            "CHECKOUT_DIST": str(checkout_dist),
            "PYTHONUNBUFFERED": "1",
        }
    )
    try:
        answer = requests.post(f"{server.url}/demo/order", json={}, timeout=15)
        assert answer.status_code == 502
        assert answer.json()["error"]["description"].startswith(f"The gateway at {dead_api} cannot be reached")
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_exits_cleanly_on_signals(checkout_dist, signum):
    server = start_checkout_server(
        {
            **os.environ,
            "API_URL": "http://127.0.0.1:9",
            "CHECKOUT_PORT": "0",
            "CHECKOUT_DIST": str(checkout_dist),
            "PYTHONUNBUFFERED": "1",
        }
    )
    # A keep-alive connection left open must not hold the server up.
    session = requests.Session()
    assert session.get(f"{server.url}/checkout.js", timeout=10).status_code == 200
    assert server.stop(signum, timeout=10) == 0
    rest = []
    while (line := server.lines.get(timeout=5)) is not None:
        rest.append(line)
    assert rest == ["checkout: stopped"], rest
    session.close()


def test_refuses_to_start_without_a_build(tmp_path):
    server_env = {**os.environ, "CHECKOUT_DIST": str(tmp_path), "CHECKOUT_PORT": "0"}
    with pytest.raises(RuntimeError, match=r"checkout\.js is missing; build it first: npm --prefix checkout ci"):
        start_checkout_server(server_env)


def test_env_defaults():
    from infra.local.checkout_server import DIST, config_from_env

    config = config_from_env({})
    assert (config.api_url, config.port, config.dist) == ("http://127.0.0.1:8000", 3001, DIST)
    assert (config.demo_key, config.demo_secret) == ("key_test_abc123", "secret_test_xyz789")
    assert config_from_env({"API_PORT": "8100"}).api_url == "http://127.0.0.1:8100"
    assert config_from_env({"API_URL": "https://api.example/"}).api_url == "https://api.example"
    with pytest.raises(ValueError):
        config_from_env({"API_URL": "ftp://api.example"})
