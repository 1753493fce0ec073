"""Browser tests of the merchant dashboard (issue 7).

They drive Debian's chromium through Playwright against the built dashboard, served by
`python -m infra.local.dashboard_server`, and the real gateway from the shared `gateway`
fixture (tests/conftest.py). Webhooks go to real HTTP receivers on loopback.

Every page a test visits passes the accessibility gate (tests/support/axe.py, through `guarded`):
axe-core, read from dashboard/node_modules/axe-core/axe.min.js (a devDependency of the dashboard,
installed by the `npm ci` below), runs before each `page.goto` leaves a page, once the login lands,
wherever a test calls `axe_check(page, where)` and at the end of the test; a serious or critical
violation fails the test.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.support.api import preflight_allows
from tests.support.chromium import axe_check, guarded, launch_args
from tests.support.waiting import eventually

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = REPO_ROOT / "dashboard"
DIST = DASHBOARD_DIR / "dist"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "dashboard"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


# ---------------------------------------------------------------------------------------------
# The browser: Debian's chromium, never a downloaded one.


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, dashboard):
    return {
        **browser_context_args,
        "viewport": DESKTOP,
        "base_url": dashboard.url,
        "timezone_id": "Asia/Kolkata",
        "locale": "en-IN",
    }


@pytest.fixture
def page(page):
    """Every test's page fails the test on a script error, a CSP violation or a serious
    accessibility violation."""
    yield from guarded(page)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# ---------------------------------------------------------------------------------------------
# The dashboard: built once if missing or older than its sources, then served by its server.


def _newest_source_mtime() -> float:
    files = [DASHBOARD_DIR / name for name in ("index.html", "package.json", "package-lock.json", "vite.config.js")]
    files += [path for path in (DASHBOARD_DIR / "src").rglob("*") if path.is_file()]
    return max(path.stat().st_mtime for path in files if path.exists())


def _is_fresh() -> bool:
    index = DIST / "index.html"
    return index.is_file() and index.stat().st_mtime >= _newest_source_mtime()


def ensure_built() -> None:
    if _is_fresh():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("dashboard/dist is missing or stale and npm is not installed", pytrace=False)
    # One build at a time across xdist workers: vite empties dist/ first, which a worker whose
    # server already serves it would see as a blank page.
    key = hashlib.sha1(str(DASHBOARD_DIR).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"paygw-dashboard-build-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_fresh():  # another worker built it while this one waited
            return
        if not (DASHBOARD_DIR / "node_modules" / ".package-lock.json").is_file():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=DASHBOARD_DIR, check=True)
        subprocess.run([npm, "run", "build"], cwd=DASHBOARD_DIR, check=True)


@dataclass
class DashboardServer:
    url: str
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None


def start_dashboard_server(env: dict[str, str], port: int) -> DashboardServer:
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.dashboard_server"],
        cwd=REPO_ROOT,
        env={**env, "DASHBOARD_PORT": str(port), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = DashboardServer(f"http://127.0.0.1:{port}", process)
    ready = threading.Event()

    def pump() -> None:
        for line in process.stdout:
            server.output.append(line.rstrip("\n"))
            if line.startswith("Dashboard: serving"):
                ready.set()
        ready.set()

    server.reader = threading.Thread(target=pump, daemon=True)
    server.reader.start()
    if not ready.wait(30) or process.poll() is not None:
        process.kill()
        raise AssertionError(f"the dashboard server did not start: {server.output}")
    return server


def stop_dashboard_server(server: DashboardServer) -> int:
    server.process.terminate()
    try:
        return server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
        raise
    finally:
        if server.reader is not None:
            server.reader.join(timeout=5)  # the last lines it printed


@pytest.fixture(scope="session")
def dashboard(gateway):
    ensure_built()
    port = int(gateway.env["DASHBOARD_PORT"])
    origin = f"http://127.0.0.1:{port}"
    assert preflight_allows(gateway.api_url, origin, "/api/v1/merchant", "GET", "authorization"), (
        f"the API at {gateway.api_url} does not allow {origin}"
    )
    env = {
        **os.environ,
        **gateway.env,
        "API_URL": gateway.api_url,
        "CHECKOUT_URL": gateway.env.get("CHECKOUT_URL", "http://127.0.0.1:3001"),
    }
    server = start_dashboard_server(env, gateway.free_front_end_port(port))
    yield server
    assert stop_dashboard_server(server) == 0, server.output


# ---------------------------------------------------------------------------------------------
# Webhook receivers: real HTTP servers on loopback that record what they get.


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, status: int = 200):
        self.status = status
        self.deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                return

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.status
                with receiver._changed:
                    receiver.deliveries.append(
                        Delivery(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    receiver._changed.notify_all()
                reply = json.dumps({"received": status < 300, "status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def matching(self, predicate: Callable[[Delivery], bool]) -> list[Delivery]:
        with self._changed:
            return [d for d in self.deliveries if predicate(d)]

    def wait_for(self, predicate: Callable[[Delivery], bool], timeout: float = 30, count: int = 1) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [d for d in self.deliveries if predicate(d)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(d.headers.get("webhook-id"), d.body[:120]) for d in self.deliveries]
                    raise AssertionError(f"{self.url} got {len(found)} of {count} expected deliveries; saw {seen}")
                self._changed.wait(left)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made: list[WebhookReceiver] = []

    def make(status: int = 200) -> WebhookReceiver:
        receiver = WebhookReceiver(status)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


# ---------------------------------------------------------------------------------------------
# The API, as a merchant's server calls it (key and secret).


class MerchantApi:
    def __init__(self, api_url: str, credentials):
        self.base = api_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"X-Api-Key": credentials.api_key, "X-Api-Secret": credentials.api_secret})

    def call(self, method: str, path: str, expect: int = 200, **kwargs) -> dict:
        response = self.session.request(method, self.base + path, timeout=15, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json()

    def pay(self, amount: int = 50000, vpa: str = "success@test") -> dict:
        order = self.call(
            "POST", "/api/v1/orders", 201, json={"amount": amount, "currency": "INR", "receipt": "dash-test"}
        )
        return self.call("POST", "/api/v1/payments", 201, json={"order_id": order["id"], "method": "upi", "vpa": vpa})

    def wait_payment(self, payment_id: str, status: str, timeout: float = 30) -> dict:
        return eventually(
            lambda: (p := self.call("GET", f"/api/v1/payments/{payment_id}"))["status"] == status and p,
            timeout=timeout,
            message=f"payment {payment_id} to reach {status}",
        )


@pytest.fixture
def merchant_api(gateway):
    return lambda credentials: MerchantApi(gateway.api_url, credentials)


# ---------------------------------------------------------------------------------------------
# Logging in through the form.

SESSION_KEY = "paygw.session"  # where the dashboard keeps its session (sessionStorage)


def _login(page, credentials, path: str = "/") -> None:
    page.goto(path)
    page.get_by_test_id("login-form").wait_for()
    page.get_by_test_id("email-input").fill(credentials.email)
    page.get_by_test_id("password-input").fill(credentials.password)
    page.get_by_test_id("login-button").click()
    page.get_by_test_id("logout-button").wait_for()
    axe_check(page, "where the login landed")


@pytest.fixture
def login():
    """login(page, credentials, path="/"): log in through the form, landing on `path`."""
    return _login


def _stored_token(page) -> str | None:
    raw = page.evaluate(f"() => window.sessionStorage.getItem('{SESSION_KEY}')")
    return json.loads(raw)["token"] if raw else None


@pytest.fixture
def stored_token():
    """stored_token(page): the session token the dashboard holds, or None."""
    return _stored_token


@pytest.fixture
def poll():
    """poll(condition, timeout, message): wait for a condition, never a fixed sleep."""
    return lambda condition, timeout, message: eventually(condition, timeout=timeout, message=message)


@pytest.fixture(scope="session", autouse=True)
def _data_test_id_attribute(playwright):
    # The project's attribute is data-test-id (with the dash), not Playwright's data-testid.
    playwright.selectors.set_test_id_attribute("data-test-id")
