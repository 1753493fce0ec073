"""No response ever echoes a credential, and a route that does not exist answers 404 in the API's
error shape: Basic, Bearer and header credentials (real and made up) sent to unknown paths, unknown
methods, known paths with bad credentials and bad input; every response's status line, headers and
body are scanned for each credential, as sent and base64- or url-encoded, at any alignment.

(chalice.local, like API Gateway, answered an unknown path with a 403 whose message quoted the
Authorization header: the key and secret, in base64.)"""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

import pytest
import requests

from chalicelib.domain.errors import ROUTE_NOT_FOUND_DESCRIPTION

NOT_FOUND = {"error": {"code": "NOT_FOUND_ERROR", "description": ROUTE_NOT_FOUND_DESCRIPTION}}
UNKNOWN_PATHS = (
    "/api/v1/nothing",
    "/nothing",
    "/",
    "/api",
    "/api/v2/payments",
    "/api/v1/payments/pay_x/refunds/rfnd_x/more",
    "/api/v1/orders/order_x/nothing?key=key_probe_query_4f1c",
    "/api/v1/nothing/%2e%2e/orders",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY")


@dataclass
class Sent:
    method: str
    path: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        headers = "\n".join(f"{name}: {value}" for name, value in self.headers)
        return f"HTTP/1.1 {self.status} {self.reason}\n{headers}\n\n{self.body.decode('utf-8', 'replace')}"


def encodings(secret: str) -> set[str]:
    """The forms a secret can be echoed in: as is, url-encoded, and base64 (standard and url-safe)
    wherever it sits in the encoded text: the middle of its encoding at each of the three byte
    alignments, so "Basic " + b64("key:secret") is caught by the secret alone."""
    raw = secret.encode()
    found = {secret, quote(secret, safe=""), quote_plus(secret)}
    for alignment in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * alignment + raw + b"\0\0").decode()
            middle = encoded[4:-8]  # the characters that depend on `secret` alone
            assert len(middle) >= 8, secret
            found.add(middle)
    return found


@pytest.fixture(scope="module")
def credentials(gateway) -> dict[str, dict[str, str]]:
    """Header sets to send, each with the credentials in it: the seeded merchant's real key and
    secret and a real session token, and made-up ones."""
    merchant = gateway.test_merchant
    login = requests.post(
        gateway.api_url + "/api/v1/dashboard/login",
        json={"email": merchant.email, "password": merchant.password},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    basic_real = base64.b64encode(f"{merchant.api_key}:{merchant.api_secret}".encode()).decode()
    basic_fake = base64.b64encode(b"key_probe_basic_7d2e:secret_probe_basic_91ab").decode()
    return {
        "basic (real)": {"Authorization": "Basic " + basic_real},
        "basic (made up)": {"Authorization": "Basic " + basic_fake},
        "bearer (real session)": {"Authorization": "Bearer " + token},
        "bearer (made up)": {"Authorization": "Bearer tok_probe_bearer_5c3a0e9f"},
        "api key headers (real)": {"X-Api-Key": merchant.api_key, "X-Api-Secret": merchant.api_secret},
        "api key headers (made up)": {"X-Api-Key": "key_probe_header_2b7d", "X-Api-Secret": "secret_probe_hdr_e4f0"},
        "other headers": {
            "Cookie": "session=cookie_probe_secret_8a1b",
            "Proxy-Authorization": "Basic " + base64.b64encode(b"proxy_probe_user:proxy_probe_pw_6c").decode(),
            "X-Auth-Token": "xauth_probe_token_3f9d",
            "X-Amz-Security-Token": "amz_probe_token_0e7c",
        },
    }


def secrets_in(headers: dict[str, str]) -> set[str]:
    """What must never come back: each secret sent, and the key and secret inside a Basic value."""
    found = set()
    for name, value in headers.items():
        scheme, _, rest = value.partition(" ")
        if scheme in ("Basic", "Bearer") and rest:
            found.add(rest)
            if scheme == "Basic":
                found.update(base64.b64decode(rest).decode().split(":", 1))
        elif name == "Cookie":
            found.add(value.partition("=")[2])
        else:
            found.add(value)
    assert all(len(secret) >= 12 for secret in found), "too short to scan for without false alarms"
    return found


def send(gateway, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> Sent:
    parts = urlsplit(gateway.api_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        sent_headers = dict(headers)
        if body is not None:
            sent_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=body, headers=sent_headers)
        response = connection.getresponse()
        return Sent(method, path, response.status, response.reason, response.getheaders(), response.read())
    finally:
        connection.close()


def assert_echoes_none(sent: Sent, secrets: set[str], label: str) -> None:
    text = sent.text
    for secret in secrets:
        for form in encodings(secret):
            assert form not in text, f"{label}: {sent.method} {sent.path} echoed {secret!r} as {form!r}:\n{text}"


def test_unknown_paths_and_methods_answer_404_and_echo_no_credential(gateway, credentials):
    for label, headers in credentials.items():
        secrets = secrets_in(headers)
        for path in UNKNOWN_PATHS:
            for method in METHODS:
                body = None if method in ("GET", "HEAD", "OPTIONS", "TRACE") else b'{"amount": 100}'
                sent = send(gateway, method, path, headers, body)
                assert sent.status == 404, (label, method, path, sent.status, sent.body)
                if method != "HEAD":
                    assert json.loads(sent.body) == NOT_FOUND, (label, method, path)
                    assert dict(sent.headers)["Content-Type"] == "application/json"
                assert_echoes_none(sent, secrets, label)


def test_errors_of_every_kind_on_known_paths_echo_no_credential(gateway, credentials):
    merchant = gateway.test_merchant
    known = [
        ("TRACE", "/api/v1/orders", None, 405),  # a method the path lacks
        ("DELETE", "/api/v1/payments/pay_x/refunds", None, 405),
        ("POST", "/api/v1/orders", b"{not json", None),  # 400, or 401 before it for bad credentials
        ("POST", "/api/v1/orders", b'{"amount": "lots"}', None),
        ("GET", "/api/v1/orders/order_nope", None, None),  # 404 for a good caller, 401 for a bad one
        ("GET", "/api/v1/payments/" + "p" * 300, None, None),
        ("POST", "/api/v1/payments/public", b'{"key": "key_probe_body_1a9c", "order_id": "order_x"}', None),
        ("GET", "/api/v1/orders/order_x/public?key=key_probe_query_77e1", None, None),
        (
            "POST",
            "/api/v1/dashboard/login",
            json.dumps({"email": merchant.email, "password": "pw_probe_9e2f1"}).encode(),
            401,
        ),
        ("POST", "/api/v1/dashboard/logout", None, None),
        ("OPTIONS", "/api/v1/orders", None, None),
    ]
    probes = {"key_probe_body_1a9c", "key_probe_query_77e1", "pw_probe_9e2f1"}
    for label, headers in credentials.items():
        secrets = secrets_in(headers) | probes
        for method, path, body, status in known:
            sent = send(gateway, method, path, headers, body)
            assert sent.status < 500, (label, method, path, sent.status, sent.body)
            if status is not None:
                assert sent.status == status, (label, method, path, sent.status, sent.body)
            assert_echoes_none(sent, secrets, label)


def test_the_scan_sees_an_echo(gateway):
    """The scan itself: an answer that quotes a Basic header in any of its forms is caught."""
    secret = "secret_probe_self_test"
    header = "Basic " + base64.b64encode(f"key_probe:{secret}".encode()).decode()
    for echoed in (header, "Authorization=" + header, quote(header), f'{{"x": "{secret}"}}'):
        sent = Sent("GET", "/", 403, "Forbidden", [("X-Echo", "no")], echoed.encode())
        with pytest.raises(AssertionError):
            assert_echoes_none(sent, {secret}, "self-test")
