"""infra/local/dashboard_server.py: the built bundle, client-side routes, /config.js, clean exit."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from tests.support.ports import free_port

from .conftest import DIST, REPO_ROOT, ensure_built, start_dashboard_server, stop_dashboard_server


@pytest.fixture(scope="module")
def built():
    ensure_built()
    return DIST


def base_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("API_URL", "API_PORT", "CHECKOUT_URL", "CHECKOUT_PORT", "DASHBOARD_DIST")
    }
    return {**env, **extra}


def test_serves_the_bundle_routes_and_runtime_config(built):
    port = free_port()
    server = start_dashboard_server(
        base_env(API_URL="http://api.example.test:9000/", CHECKOUT_URL="https://pay.example.test"), port
    )
    try:
        assert (
            server.output[0] == f"Dashboard: serving http://127.0.0.1:{port} (API http://api.example.test:9000, "
            "checkout https://pay.example.test)"
        )
        config = requests.get(f"{server.url}/config.js", timeout=5)
        assert config.status_code == 200
        assert config.headers["Content-Type"].startswith("application/javascript")
        assert config.headers["Cache-Control"] == "no-store"
        assert config.text == (
            'window.__DASHBOARD_CONFIG__ = Object.freeze({"apiUrl": "http://api.example.test:9000", '
            '"checkoutUrl": "https://pay.example.test"});\n'
        )

        index = requests.get(server.url + "/", timeout=5)
        assert index.status_code == 200 and re.search(r'<script src="/config.js"\s*></script>', index.text)
        csp = index.headers["Content-Security-Policy"]
        assert "connect-src 'self' http://api.example.test:9000;" in csp and "frame-ancestors 'none'" in csp
        # Client-side routes, reloaded or opened from a link, get the app.
        for path in ("/transactions", "/payments/pay_1a2B3c4D5e6F7g8H", "/webhooks?status=failed", "/login"):
            answer = requests.get(server.url + path, timeout=5)
            assert answer.status_code == 200 and answer.text == index.text, path

        script = re.search(r'src="(/assets/[^"]+\.js)"', index.text).group(1)
        asset = requests.get(server.url + script, timeout=5)
        assert asset.status_code == 200 and "javascript" in asset.headers["Content-Type"]
        assert requests.get(server.url + "/assets/missing.js", timeout=5).status_code == 404
        # Nothing outside the bundle, however the path is spelled.
        for path in ("/../../../../etc/passwd", "/assets/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            answer = connection.getresponse()
            body = answer.read()
            connection.close()
            assert b"root:" not in body and (answer.status == 404 or body == index.content), path
        assert requests.post(server.url + "/config.js", timeout=5).status_code == 405
    finally:
        assert stop_dashboard_server(server) == 0
    assert server.output[-1] == "Dashboard: stopped"


def test_defaults_follow_the_port_variables_and_sigint_exits_cleanly(built):
    port = free_port()
    server = start_dashboard_server(base_env(API_PORT="8123", CHECKOUT_PORT="3123"), port)
    config = requests.get(f"{server.url}/config.js", timeout=5).text
    assert '"apiUrl": "http://127.0.0.1:8123"' in config and '"checkoutUrl": "http://127.0.0.1:3123"' in config
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0


def test_a_missing_build_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "infra.local.dashboard_server"],
        cwd=REPO_ROOT,
        env=base_env(DASHBOARD_DIST=str(tmp_path), DASHBOARD_PORT=str(free_port())),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "npm run build" in result.stderr
