"""The checkout's local server: checkout.js, the hosted checkout page and the merchant demo page.

    python -m infra.local.checkout_server

It serves checkout/dist (built by `npm --prefix checkout ci && npm --prefix checkout run build`)
on 127.0.0.1:$CHECKOUT_PORT (3001; 0 picks a free port, printed on the "serving" line):

    /checkout.js        the merchant SDK
    /v1/checkout.js     the same checkout with Razorpay's checkout.js API (window.Razorpay)
    /checkout           the hosted checkout page (also what the SDK's iframe loads)
    /config.js          the page's configuration: the API address, from API_URL
    /demo, /demo.html   a merchant demo page
    POST /demo/order    the demo merchant's server side: creates an order through the real API
                        with DEMO_API_KEY and DEMO_API_SECRET; the secret never reaches a browser
    POST /demo/verify   the demo merchant's server checks the checkout's razorpay_signature with
                        DEMO_API_SECRET, as a Razorpay merchant's server does, before the page
                        shows the payment as successful

The API address is API_URL, by default http://127.0.0.1:$API_PORT (8000). CHECKOUT_DIST serves
another build (the browser tests build into a temporary folder). SIGTERM and SIGINT stop it
cleanly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from infra.local.static_server import Answer, Request, StaticSite, json_answer, serve

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST = REPO_ROOT / "checkout" / "dist"
BUILD_HINT = "npm --prefix checkout ci && npm --prefix checkout run build"

DEMO_MIN_AMOUNT = 100
DEMO_MAX_AMOUNT = 10_000_000  # 1,00,000.00 INR: a demo shop, not a cash register
API_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class CheckoutConfig:
    api_url: str
    demo_key: str
    demo_secret: str
    port: int
    dist: Path = DIST

    @property
    def api_origin(self) -> str:
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.netloc}"


def config_from_env(env: Mapping[str, str] = os.environ) -> CheckoutConfig:
    api_url = (env.get("API_URL") or f"http://127.0.0.1:{env.get('API_PORT') or 8000}").rstrip("/")
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"API_URL must be an http(s) URL, not {api_url!r}")
    return CheckoutConfig(
        api_url=api_url,
        demo_key=env.get("DEMO_API_KEY") or "key_test_abc123",
        demo_secret=env.get("DEMO_API_SECRET") or "secret_test_xyz789",
        port=int(env.get("CHECKOUT_PORT") or 3001),
        dist=Path(env.get("CHECKOUT_DIST") or DIST),
    )


def config_script(config: CheckoutConfig) -> Answer:
    """/config.js: what the checkout page must know at run time, and nothing secret."""
    payload = json.dumps({"apiUrl": config.api_url})
    body = f"window.PAYGW_CHECKOUT_CONFIG = Object.freeze({payload});\n".encode()
    return 200, {"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store"}, body


def _error(status: int, code: str, description: str) -> Answer:
    return json_answer(status, {"error": {"code": code, "description": description}})


class BadDemoRequest(ValueError):
    pass


def _demo_order_request(body: bytes) -> tuple[int, str]:
    """(amount, currency) from the demo page's JSON body; both are optional."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise BadDemoRequest("The body must be JSON") from None
    if not isinstance(payload, dict):
        raise BadDemoRequest("The body must be a JSON object")
    amount = payload.get("amount", 50000)
    if type(amount) is not int or not DEMO_MIN_AMOUNT <= amount <= DEMO_MAX_AMOUNT:
        raise BadDemoRequest(f"amount must be an integer from {DEMO_MIN_AMOUNT} to {DEMO_MAX_AMOUNT}")
    currency = payload.get("currency", "INR")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise BadDemoRequest("currency must be a 3-letter code")
    return amount, currency


def demo_order(config: CheckoutConfig, request: Request) -> Answer:
    """The demo merchant's server side: a fresh order made with the key and the secret, of which
    only the order and the public key go back to the page."""
    if request.method != "POST":
        return 405, {"Content-Type": "text/plain", "Allow": "POST"}, b"Method Not Allowed"
    # A JSON content type forces a CORS preflight, which this server never grants, and the
    # Origin check refuses other sites: no other page can make orders through this route.
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(415, "BAD_REQUEST_ERROR", "Send the order request as application/json")
    origin = request.headers.get("origin")
    if origin and origin != f"http://{request.headers.get('host', '')}":
        return _error(403, "BAD_REQUEST_ERROR", "Orders are made for this demo's own page only")
    try:
        amount, currency = _demo_order_request(request.body)
    except BadDemoRequest as error:
        return _error(400, "BAD_REQUEST_ERROR", str(error))
    api_request = urllib.request.Request(
        f"{config.api_url}/api/v1/orders",
        method="POST",
        data=json.dumps(
            {
                "amount": amount,
                "currency": currency,
                "receipt": f"demo_{time.time_ns() // 1_000_000}",
                "notes": {"source": "checkout demo"},
            }
        ).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Api-Key": config.demo_key,
            "X-Api-Secret": config.demo_secret,
        },
    )
    try:
        with urllib.request.urlopen(api_request, timeout=API_TIMEOUT_SECONDS) as response:
            order = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read())["error"]["description"]
        except (ValueError, KeyError, TypeError):
            detail = error.reason
        return _error(502, "DEMO_ORDER_FAILED", f"The gateway refused the demo order ({error.code}): {detail}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return _error(502, "DEMO_ORDER_FAILED", f"The gateway at {config.api_url} cannot be reached: {reason}")
    return json_answer(
        201, {"order_id": order["id"], "key": config.demo_key, "amount": order["amount"], "currency": order["currency"]}
    )


def _verify_request(body: bytes) -> tuple[str, str, str]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise BadDemoRequest("The body must be JSON") from None
    names = ("razorpay_order_id", "razorpay_payment_id", "razorpay_signature")
    if not isinstance(payload, dict) or not all(isinstance(payload.get(name), str) for name in names):
        raise BadDemoRequest("Send razorpay_order_id, razorpay_payment_id and razorpay_signature")
    return payload["razorpay_order_id"], payload["razorpay_payment_id"], payload["razorpay_signature"]


def demo_verify(config: CheckoutConfig, request: Request) -> Answer:
    """What a merchant's server does with the checkout's result before it believes a payment:
    recompute razorpay_signature, the hex HMAC-SHA256 of "order_id|payment_id" keyed with its API
    secret, exactly as razorpay's `client.utility.verify_payment_signature` does (the demo shop
    is the merchant's code, so it uses no gateway module). 400 when it does not match."""
    if request.method != "POST":
        return 405, {"Content-Type": "text/plain", "Allow": "POST"}, b"Method Not Allowed"
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(415, "BAD_REQUEST_ERROR", "Send the payment result as application/json")
    try:
        order_id, payment_id, signature = _verify_request(request.body)
    except BadDemoRequest as error:
        return _error(400, "BAD_REQUEST_ERROR", str(error))
    expected = hmac.new(config.demo_secret.encode(), f"{order_id}|{payment_id}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return _error(400, "SIGNATURE_VERIFICATION_FAILED", "The payment's signature does not match: not a payment")
    return json_answer(200, {"verified": True, "order_id": order_id, "payment_id": payment_id})


def build_site(config: CheckoutConfig) -> StaticSite:
    security = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        # The pages load only their own files and talk only to the API; the checkout page has no
        # frame-ancestors limit because any merchant's page may embed it.
        "Content-Security-Policy": (
            # Images from anywhere: the logo a Razorpay-style page passes (`image`) is the merchant's.
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
            f"connect-src 'self' {config.api_origin}; frame-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'"
        ),
    }
    return StaticSite(
        config.dist,
        routes={"/config.js": lambda method, query, body: config_script(config)},
        request_routes={
            "/demo/order": lambda request: demo_order(config, request),
            "/demo/verify": lambda request: demo_verify(config, request),
        },
        aliases={"/checkout": "checkout.html", "/demo": "demo.html", "/": "demo.html"},
        headers=security,
        # Merchants may load the SDK with crossorigin="anonymous" to pin it with SRI.
        path_headers={path: {"Access-Control-Allow-Origin": "*"} for path in ("/checkout.js", "/v1/checkout.js")},
    )


def main() -> int:
    try:
        config = config_from_env()
    except ValueError as error:
        print(f"checkout: {error}", file=sys.stderr)
        return 2
    if not (config.dist / "checkout.js").is_file():
        print(f"checkout: {config.dist}/checkout.js is missing; build it first: {BUILD_HINT}", file=sys.stderr)
        return 1
    try:
        server = serve(build_site(config), "127.0.0.1", config.port)
    except OSError as error:
        print(f"checkout: cannot listen on 127.0.0.1:{config.port}: {error}", file=sys.stderr)
        return 1

    def stop(signum: int, frame: object) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run on this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = str(server.server_address[0]), server.server_address[1]
    print(
        f"checkout: serving http://{host}:{port} (/checkout.js, /checkout, /demo) with the API at {config.api_url}",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    print("checkout: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
