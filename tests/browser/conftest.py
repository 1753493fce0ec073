"""Browser tests of the embeddable checkout: Playwright driving Debian's chromium.

Never `playwright install`: the browser is /usr/bin/chromium (CHROMIUM_PATH overrides it). With
CI=true a missing browser fails the tests instead of skipping them.

Three origins take part, all on 127.0.0.1 with ports picked at run time:
- the checkout server (infra/local/checkout_server.py), serving a fresh build of checkout/;
- a merchant site (tests/browser/merchant_site/), which loads checkout.js from the checkout origin;
- an "other" site, the origin of spoofed messages.
The API is the shared stack from the `gateway` fixture in tests/conftest.py, which reserves a
CHECKOUT_PORT (and DASHBOARD_PORT) that its CORS_ORIGINS allows.

Every page a test visits passes the accessibility gate (tests/support/axe.py, through `guarded`):
axe-core, read from dashboard/node_modules/axe-core/axe.min.js (a devDependency of the dashboard;
`npm ci` in dashboard/ installs it), runs in each of its frames before each `page.goto` leaves it
and at the end of the test; a serious or critical violation fails the test.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from infra.local.static_server import StaticSite, serve
from tests.support.api import preflight_allows
from tests.support.chromium import guarded, launch_args

REPO = Path(__file__).resolve().parents[2]
CHECKOUT_SRC = REPO / "checkout"
MERCHANT_SITE = Path(__file__).resolve().parent / "merchant_site"

SERVER_START_SECONDS = 20


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return launch_args(browser_type_launch_args)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A fixed locale, so that amounts format the same everywhere: 50000 INR is "₹500.00".
    return {**browser_context_args, "locale": "en-IN", "timezone_id": "Asia/Kolkata"}


@pytest.fixture
def page(page):
    """Every test's page (and its frames) fails the test on a script error, a CSP violation or a
    serious accessibility violation."""
    yield from guarded(page)


# --- the checkout build and server -------------------------------------------------------------


@pytest.fixture(scope="session")
def checkout_dist(tmp_path_factory) -> Path:
    """A fresh build of checkout/ in a temporary folder, so that the tests always exercise the
    current sources and parallel sessions never rebuild a folder another one serves."""
    npm = shutil.which("npm")
    node = shutil.which("node")
    if not npm or not node:
        pytest.fail("node and npm are needed to build checkout/ (Node 20)", pytrace=False)
    lock_path = Path(tempfile.gettempdir()) / "paygw-checkout-npm.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one `npm ci` at a time across xdist workers
        if not (CHECKOUT_SRC / "node_modules" / "esbuild").is_dir():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=CHECKOUT_SRC, check=True, stdout=subprocess.DEVNULL
            )
    out = tmp_path_factory.mktemp("checkout-dist")
    subprocess.run([node, "build.mjs", "--outdir", str(out)], cwd=CHECKOUT_SRC, check=True, stdout=subprocess.DEVNULL)
    return out


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str
    lines: queue.Queue  # the server's stdout and stderr, line by line

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)


def start_checkout_server(env: dict[str, str]) -> ServerProcess:
    """Starts `python -m infra.local.checkout_server` and waits for its "serving" line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.checkout_server"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    while True:
        try:
            line = lines.get(timeout=SERVER_START_SECONDS)
        except queue.Empty:
            process.kill()
            raise RuntimeError(f"the checkout server did not start: {seen}") from None
        if line is None:
            raise RuntimeError(f"the checkout server exited ({process.wait()}): {seen}")
        seen.append(line)
        match = re.search(r"serving (http://127\.0\.0\.1:\d+)", line)
        if match:
            return ServerProcess(process, match.group(1), lines)


def checkout_env(gateway, dist: Path, port: int | str = 0, **overrides: str) -> dict[str, str]:
    merchant = gateway.test_merchant
    return {
        **os.environ,
        **gateway.env,
        "API_URL": gateway.api_url,
        "CHECKOUT_PORT": str(port),
        "CHECKOUT_DIST": str(dist),
        "DEMO_API_KEY": merchant.api_key,
        "DEMO_API_SECRET": merchant.api_secret,
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


@pytest.fixture(scope="session")
def checkout_server(gateway, checkout_dist):
    """`python -m infra.local.checkout_server` against the stack, on its CHECKOUT_PORT."""
    port = gateway.env["CHECKOUT_PORT"]
    origin = f"http://127.0.0.1:{port}"
    assert preflight_allows(gateway.api_url, origin, "/api/v1/payments/public", "POST", "idempotency-key"), (
        f"the API at {gateway.api_url} does not allow {origin}"
    )
    server = start_checkout_server(checkout_env(gateway, checkout_dist, gateway.free_front_end_port(port)))
    yield server
    assert server.stop() == 0, "the checkout server did not exit cleanly on SIGTERM"


# --- the merchant's site and another origin ----------------------------------------------------


@dataclass
class Site:
    url: str


def _serve_in_thread(site: StaticSite):
    server = serve(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="session")
def merchant_site(checkout_server):
    """A merchant's page on its own origin: /shop loads checkout.js from the checkout origin as a
    merchant would (a script tag); /blank has no SDK; /razorpay?key=…&order_id=… is Razorpay's
    documented standard checkout page with only its script URL changed."""
    template = (MERCHANT_SITE / "shop.html").read_text()
    razorpay_template = (MERCHANT_SITE / "razorpay.html").read_text()

    def shop(method, query, body):
        html = template.replace("{{CHECKOUT_ORIGIN}}", checkout_server.url)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()

    def razorpay(method, query, body):
        # What the merchant's server writes into the page: its key and the order it just made.
        html = (
            razorpay_template.replace("{{CHECKOUT_ORIGIN}}", checkout_server.url)
            .replace("{{KEY}}", json.dumps(query.get("key", [""])[0]))
            .replace("{{ORDER_ID}}", json.dumps(query.get("order_id", [""])[0]))
        )
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html.encode()

    server = _serve_in_thread(
        StaticSite(MERCHANT_SITE, routes={"/shop": shop, "/razorpay": razorpay}, aliases={"/blank": "blank.html"})
    )
    yield Site(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def other_site():
    """A third origin, neither the merchant's nor the checkout's: where spoofed messages come from."""
    server = _serve_in_thread(StaticSite(MERCHANT_SITE, aliases={"/blank": "blank.html"}))
    yield Site(f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


# --- the API, as the merchant's server uses it -------------------------------------------------


class MerchantApi:
    """The test merchant's server side: makes orders and reads payments with the secret."""

    def __init__(self, gateway):
        self.base = gateway.api_url
        self.key = gateway.test_merchant.api_key
        self.secret = gateway.test_merchant.api_secret
        self.session = requests.Session()
        self.session.headers.update({"X-Api-Key": self.key, "X-Api-Secret": self.secret})

    def create_order(self, amount: int = 50000, currency: str = "INR") -> dict:
        answer = self.session.post(
            f"{self.base}/api/v1/orders",
            timeout=10,
            json={"amount": amount, "currency": currency, "receipt": "browser-test"},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def order(self, order_id: str) -> dict:
        answer = self.session.get(f"{self.base}/api/v1/orders/{order_id}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def payment(self, payment_id: str) -> dict:
        answer = self.session.get(f"{self.base}/api/v1/payments/{payment_id}", timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture(scope="session")
def merchant_api(gateway) -> MerchantApi:
    return MerchantApi(gateway)
