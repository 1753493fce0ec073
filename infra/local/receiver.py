"""An example webhook receiver: verifies every delivery, refuses replays, processes each event once.

    python -m infra.local.receiver      (127.0.0.1:$RECEIVER_PORT, default 4000)

It does what docs/webhooks.md asks of a receiver, with the same rules as the docs' and the
dashboard's snippets:

- With a Standard Webhooks secret (whsec_<base64>) the timestamped signature is mandatory: a
  delivery without `webhook-id`, `webhook-timestamp` or `webhook-signature`, with a signature no
  secret made, or with a timestamp more than 5 minutes off (the `standardwebhooks` library's
  tolerance) is answered 400. Each `webhook-id` is processed once; a duplicate (a redelivery, a
  manual retry, a replay) is answered 200 and not processed again.
- With a secret that is not base64 (the seeded `whsec_test_abc123`) deliveries carry only the hex
  X-Webhook-Signature, over the body alone, which a replay carries too: the receiver processes
  each (event type, entity id, event time) the signed body names once.

Secrets: WEBHOOK_SECRETS (comma-separated; during a rotation, the new and the old one) or
WEBHOOK_SECRET. When no secret verifies a delivery, it adds the merchant's current secret, fetched
from the API with the test merchant's credentials, and tries again: so it keeps verifying after
the secret is regenerated, and the old secrets still verify the deliveries signed with them.
"""

from __future__ import annotations

import base64
import binascii
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
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HEX_HEADERS = ("X-Webhook-Signature", "X-Webhook-Signature-New")  # -new: the new secret's, mid-rotation


class Secrets:
    def __init__(self) -> None:
        configured = os.environ.get("WEBHOOK_SECRETS") or os.environ.get("WEBHOOK_SECRET", "whsec_test_abc123")
        self.all = [secret.strip() for secret in configured.split(",") if secret.strip()]
        self.api_url = os.environ.get("API_URL", f"http://127.0.0.1:{os.environ.get('API_PORT', '8000')}")
        self.credentials = (
            os.environ.get("RECEIVER_API_KEY", "key_test_abc123"),
            os.environ.get("RECEIVER_API_SECRET", "secret_test_xyz789"),
        )
        self._lock = threading.Lock()

    def current(self) -> list[str]:
        with self._lock:
            return list(self.all)

    def refresh(self) -> list[str]:
        """Adds the merchant's current secret (first), keeping the others: deliveries signed before
        a rotation keep verifying with the secret that signed them."""
        request = urllib.request.Request(
            self.api_url + "/api/v1/merchant/credentials",
            headers={"Authorization": "Basic " + b64encode(":".join(self.credentials).encode()).decode()},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                latest = json.load(response)["webhook_secret"]
        except (OSError, ValueError, KeyError):
            latest = None
        with self._lock:
            if latest and latest not in self.all:
                self.all.insert(0, latest)
            return list(self.all)


def is_standard_secret(secret: str) -> bool:
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else ""
    try:
        return len(base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)) > 0
    except (binascii.Error, ValueError):
        return False


def verify(body: bytes, headers: Any, secrets: list[str]) -> tuple[str, dict[str, Any], str]:
    """(the key to process once, the event, the header that verified it); raises ValueError
    saying why the delivery is refused."""
    lowered = {name.lower(): value for name, value in headers.items()}
    standard = [secret for secret in secrets if is_standard_secret(secret)]
    if standard:
        error = "no webhook secret"
        for secret in standard:
            try:
                return lowered["webhook-id"], Webhook(secret).verify(body, lowered), "webhook-signature"
            except KeyError:
                raise ValueError("webhook-id is missing: a Standard Webhooks secret requires it") from None
            except (WebhookVerificationError, ValueError) as failure:
                error = str(failure) or type(failure).__name__
        raise ValueError(f"Standard Webhooks signature: {error}")
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        for name in HEX_HEADERS:
            if hmac.compare_digest(expected.encode(), lowered.get(name.lower(), "").encode()):
                event = json.loads(body)
                [entity] = event["data"].values()
                return f"{event['event']}:{entity['id']}:{event['timestamp']}", event, name
    raise ValueError("X-Webhook-Signature does not match")


class Processed:
    """The keys already processed. A real receiver keeps them in its database, written with the
    work they record; this one keeps them in memory, so a restart forgets them."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def first(self, key: str) -> bool:
        with self._lock:
            if key in self._keys:
                return False
            self._keys.add(key)
            return True


def make_handler(secrets: Secrets, processed: Processed):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: with Nagle's algorithm on, the body would wait for
        # the gateway's delayed ACK (~40 ms) on every reused keep-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            delivery = self.headers.get("webhook-id", "")
            try:
                try:
                    key, event, checked = verify(body, self.headers, secrets.current())
                except ValueError:
                    key, event, checked = verify(body, self.headers, secrets.refresh())
            except ValueError as error:
                print(f"receiver: REJECTED {delivery}: {error}", flush=True)
                self._answer(400, json.dumps({"error": str(error)}).encode())
                return
            if processed.first(key):
                print(
                    f"receiver: processed {event['event']} {delivery} verified by {checked}: "
                    f"{json.dumps(event['data'], ensure_ascii=False)[:300]}",
                    flush=True,
                )
            else:
                print(f"receiver: duplicate {event['event']} {delivery} ({key}), already processed", flush=True)
            self._answer(200, b'{"received":true}')

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> int:
    port = int(os.environ.get("RECEIVER_PORT", "4000"))
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(Secrets(), Processed()))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"receiver: listening on http://127.0.0.1:{port}/webhook", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
