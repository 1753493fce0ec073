"""An example webhook receiver: verifies both signatures and prints every event.

    python -m infra.local.receiver      (127.0.0.1:$RECEIVER_PORT, default 4000)

It checks X-Webhook-Signature (hex HMAC-SHA256 of the raw body, as razorpay's
utility.verify_webhook_signature does) and, when present, the Standard Webhooks headers with the
`standardwebhooks` library, which also rejects timestamps more than 5 minutes off. It answers 200
when the signatures verify and 400 when they do not. If the secret was regenerated, it fetches
the current one from the API with the test merchant's credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import urllib.request
from base64 import b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Secrets:
    def __init__(self) -> None:
        self.current = os.environ.get("WEBHOOK_SECRET", "whsec_test_abc123")
        self.api_url = os.environ.get("API_URL", f"http://127.0.0.1:{os.environ.get('API_PORT', '8000')}")
        self.credentials = (
            os.environ.get("RECEIVER_API_KEY", "key_test_abc123"),
            os.environ.get("RECEIVER_API_SECRET", "secret_test_xyz789"),
        )

    def refresh(self) -> str:
        request = urllib.request.Request(
            self.api_url + "/api/v1/merchant/credentials",
            headers={"Authorization": "Basic " + b64encode(":".join(self.credentials).encode()).decode()},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                self.current = json.load(response)["webhook_secret"] or self.current
        except OSError:
            pass
        return self.current


def verify(body: bytes, headers, secret: str) -> list[str]:
    """The names of the checks that passed; raises ValueError naming the first that failed."""
    passed = []
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Webhook-Signature", "")):
        raise ValueError("X-Webhook-Signature does not match")
    passed.append("X-Webhook-Signature")
    if headers.get("webhook-signature"):
        try:
            Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
        except WebhookVerificationError as error:
            raise ValueError(f"Standard Webhooks signature: {error}") from None
        passed.append("webhook-signature")
    return passed


def make_handler(secrets: Secrets):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle's algorithm on, the body would wait for
        # the gateway's delayed ACK (~40 ms) on every reused keep-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                try:
                    checks = verify(body, self.headers, secrets.current)
                except ValueError:
                    checks = verify(body, self.headers, secrets.refresh())
                event = json.loads(body)
                print(
                    f"receiver: {event['event']} {self.headers.get('webhook-id', '')} verified by "
                    f"{', '.join(checks)}: {json.dumps(event['data'], ensure_ascii=False)[:300]}",
                    flush=True,
                )
                self._answer(200, b'{"received":true}')
            except (ValueError, KeyError) as error:
                print(f"receiver: REJECTED {self.headers.get('webhook-id', '')}: {error}", flush=True)
                self._answer(400, json.dumps({"error": str(error)}).encode())

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> int:
    port = int(os.environ.get("RECEIVER_PORT", "4000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(Secrets()))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"receiver: listening on http://127.0.0.1:{port}/webhook", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
