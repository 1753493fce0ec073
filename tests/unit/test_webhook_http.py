"""One webhook attempt's HTTP (chalicelib/services/webhook_http.py) against real loopback servers:
the total deadline whatever the receiver does, one vetted resolution connected to as is (a
rebinding resolver cannot reach loopback), https only unless a stage opts in, TLS and Host keeping
the name, and an answer read and stored within its limit."""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from chalicelib.config import settings
from chalicelib.domain.deliveries import RESPONSE_BODY_LIMIT, url_error
from chalicelib.services import webhook_http
from chalicelib.services.webhook_http import post
from tests.support.receiver import Answer, Receiver

PUBLIC = "8.8.8.8"  # any global address: the attempt connects to it, never to what a later lookup says
NAME = "hooks.merchant.example"
_real_getaddrinfo = socket.getaddrinfo


class RawServer:
    """A loopback server whose every connection runs `handle(connection)`: for receivers that
    misbehave below HTTP (dripping bytes, stalling mid-body)."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.handle = handle
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.released = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                _read_request(connection)
                self.handle(connection)
            except OSError:
                pass  # the gateway cut the connection, as it should

    def close(self) -> None:
        self.released.set()
        self.listener.close()


def _read_request(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    made: list[RawServer] = []

    def make(handle: Callable[[socket.socket], None]) -> RawServer:
        made.append(RawServer(handle))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def resolver(monkeypatch):
    """Answers for NAME in turn (the last one thereafter), counting the lookups of that name;
    addresses and every other name resolve as usual."""

    class Resolver:
        answers: list[str] = []
        lookups = 0

        def __call__(self, host, port, *args, **kwargs):
            if host != NAME:
                return _real_getaddrinfo(host, port, *args, **kwargs)
            answer = self.answers[min(self.lookups, len(self.answers) - 1)]
            self.lookups += 1
            family = socket.AF_INET6 if ":" in answer else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (answer, port or 0))]

    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


def attempt(url: str, timeout: float = 1.0, block_private: bool = False, allow_http: bool = True):
    return post(
        url, b'{"event":"webhook.test"}', {"webhook-id": "evt_1"}, timeout, block_private, allow_http=allow_http
    )


# ---- the deadline ----------------------------------------------------------------------------


def _drip_body(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
    for _ in range(40):  # one byte every 0.5 s for 20 s: each read is quick, the whole is not
        connection.sendall(b"x")
        time.sleep(0.5)


def _drip_headers(connection: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"x" * 40:
        connection.sendall(bytes([byte]))
        time.sleep(0.5)


@pytest.mark.parametrize("drip", [_drip_body, _drip_headers], ids=["body", "headers"])
def test_a_receiver_dripping_bytes_is_cut_at_the_deadline(raw_server, drip):
    server = raw_server(drip)
    started = time.monotonic()
    seen = attempt(f"http://127.0.0.1:{server.port}/hook", timeout=1.0)
    took = time.monotonic() - started
    assert seen.error == "Timed out after 1 s" and seen.response_code is None
    # Its real duration: the deadline, not the 20 s the receiver would take (nor a per-read timeout).
    assert 1000 <= seen.duration_ms <= took * 1000 + 1 and took < 10


def test_a_receiver_that_never_answers_is_cut_at_the_deadline(raw_server):
    server = raw_server(lambda connection: server.released.wait(30))
    seen = attempt(f"http://127.0.0.1:{server.port}/hook", timeout=0.5)
    assert seen.error == "Timed out after 0.5 s" and 500 <= seen.duration_ms < 10_000


def test_name_resolution_counts_against_the_deadline(monkeypatch):
    release = threading.Event()

    def stuck(host, port, *args, **kwargs):
        if host == NAME:
            release.wait(10)
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    try:
        seen = attempt(f"https://{NAME}/hook", timeout=0.5)
    finally:
        release.set()
    assert seen.error == "Timed out after 0.5 s" and 500 <= seen.duration_ms < 5_000


def test_a_watched_connection_stays_pooled_and_is_never_cut_later(receiver):
    """The watchdog fires for every attempt at its deadline; one that ended in time keeps its
    kept-alive connection usable by the next attempt after that deadline has passed."""
    first = attempt(receiver.url, timeout=0.3)
    time.sleep(0.5)  # past the first attempt's deadline: its watchdog entry has fired
    second = attempt(receiver.url, timeout=5)
    assert first.response_code == second.response_code == 200 and len(receiver.received) == 2


# ---- SSRF ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers", [[PUBLIC, "127.0.0.1"], ["127.0.0.1", PUBLIC]], ids=["public-first", "loopback-first"]
)
def test_a_rebinding_resolver_cannot_reach_loopback(resolver, receiver, answers):
    resolver.answers = answers
    seen = attempt(f"http://{NAME}:{receiver.port}/webhook", timeout=0.5, block_private=True)
    assert resolver.lookups == 1  # resolved once; the connection went to what was vetted
    assert receiver.received == []
    assert seen.response_code is None and seen.error is not None
    if answers[0] == "127.0.0.1":
        assert seen.error == "Refused: the URL resolves to a private or loopback address"


def test_every_resolved_address_is_vetted(monkeypatch, receiver):
    def both(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", both)
    seen = attempt(f"http://{NAME}:{receiver.port}/webhook", block_private=True)
    assert seen.error == "Refused: the URL resolves to a private or loopback address" and receiver.received == []


@pytest.mark.parametrize(
    "address,block_private,refusal",
    [
        ("100.64.3.4", True, "private or loopback"),  # carrier-grade NAT: not is_private, not global
        ("100.127.255.254", True, "private or loopback"),
        ("::ffff:127.0.0.1", True, "private or loopback"),
        ("64:ff9b::a00:1", True, "private or loopback"),  # NAT64 of 10.0.0.1
        ("169.254.169.254", False, "metadata"),  # never, even where private URLs are allowed
        ("fd00:ec2::254", False, "metadata"),
    ],
)
def test_refused_addresses(resolver, address, block_private, refusal):
    resolver.answers = [address]
    seen = attempt(f"http://{NAME}/hook", block_private=block_private)
    assert seen.response_code is None and refusal in (seen.error or "")
    assert refusal in (
        url_error(f"http://{address if ':' not in address else f'[{address}]'}/hook", block_private) or ""
    )


def test_the_name_is_kept_for_the_host_header_when_connecting_to_the_address(resolver, receiver):
    resolver.answers = ["127.0.0.1"]
    seen = attempt(f"http://{NAME}:{receiver.port}/webhook?x=1")
    assert seen.response_code == 200 and resolver.lookups == 1
    assert receiver.received[0].headers["Host"] == f"{NAME}:{receiver.port}"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A CA and a certificate for NAME it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "key.pem").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder


def test_tls_presents_and_verifies_the_name_while_connecting_to_the_address(
    resolver, raw_server, tls_files, monkeypatch
):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "key.pem")
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    hosts: list[bytes] = []

    def answer(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    class TlsServer(RawServer):
        def _serve(self, connection: socket.socket) -> None:
            with context.wrap_socket(connection, server_side=True) as wrapped:
                hosts.append(_read_request(wrapped))
                answer(wrapped)

    server = TlsServer(answer)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(tls_files / "ca.pem"))  # OpenSSL's default trust store
        resolver.answers = ["127.0.0.1"]
        seen = attempt(f"https://{NAME}:{server.port}/hook", allow_http=False)
        assert (seen.response_code, seen.response_body) == (200, "ok"), seen
        assert names == [NAME] and f"Host: {NAME}:{server.port}".encode() in hosts[0]
        # The certificate is checked against the name, never the address: the address's own URL fails.
        refused = attempt(f"https://127.0.0.1:{server.port}/hook", allow_http=False)
        assert refused.response_code is None and "SSLError" in (refused.error or ""), refused
    finally:
        server.close()


# ---- https only ------------------------------------------------------------------------------


def test_http_is_refused_unless_the_stage_opts_in(receiver, monkeypatch):
    seen = attempt(receiver.url, allow_http=False)
    assert seen.error == "Refused: webhook URLs must use https" and receiver.received == []
    for value, refused in (("false", True), ("true", False)):
        monkeypatch.setenv("WEBHOOK_ALLOW_HTTP", value)
        settings.cache_clear()
        try:
            by_default = post(receiver.url, b"{}", {}, 1.0, False)  # allow_http unsaid: the setting
            assert (by_default.error == "Refused: webhook URLs must use https") is refused
            assert (url_error("http://merchant.example/hook", True) == "Webhook URL must use https") is refused
        finally:
            settings.cache_clear()
    assert url_error("https://merchant.example/hook", True, allow_http=False) is None


# ---- the answer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,stored",
    [
        (b"\xff" * 3000, "\ufffd" * (RESPONSE_BODY_LIMIT // 3)),  # each invalid byte is 3 bytes of UTF-8
        ("é".encode() * 3000, "é" * (RESPONSE_BODY_LIMIT // 2)),  # never half a character
        (b"a" * RESPONSE_BODY_LIMIT + "é".encode(), "a" * RESPONSE_BODY_LIMIT),
        (b'{"ok":true}', '{"ok":true}'),
    ],
    ids=["invalid-bytes", "two-byte-chars", "cut-at-limit", "small"],
)
def test_the_stored_answer_is_at_most_the_limit_in_utf8(receiver, body, stored):
    receiver.answer_next(Answer(status=500, body=body))
    seen = attempt(receiver.url)
    assert seen.response_code == 500 and seen.response_body == stored
    assert len(seen.response_body.encode()) <= RESPONSE_BODY_LIMIT


def test_no_more_than_the_limit_is_read_from_the_socket(raw_server):
    """The receiver declares a megabyte, sends 64 KB and stalls: reading past the limit (plus a
    socket buffer) would wait for the rest until the deadline."""

    def stall(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 65536)
        server.released.wait(30)

    server = raw_server(stall)
    seen = attempt(f"http://127.0.0.1:{server.port}/hook", timeout=3)
    assert seen.error is None and seen.response_body == "y" * RESPONSE_BODY_LIMIT and seen.duration_ms < 3000


def test_retry_after_is_kept_raw(raw_server):
    def busy(connection: socket.socket) -> None:
        connection.sendall(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n"
        )

    server = raw_server(busy)
    seen = attempt(f"http://127.0.0.1:{server.port}/hook")
    assert (seen.response_code, seen.retry_after) == (429, "Wed, 21 Oct 2026 07:28:00 GMT")


def test_redirects_are_not_followed(raw_server, receiver):
    def moved(connection: socket.socket) -> None:
        connection.sendall(f"HTTP/1.1 307 Moved\r\nLocation: {receiver.url}\r\nContent-Length: 0\r\n\r\n".encode())

    server = raw_server(moved)
    seen = attempt(f"http://127.0.0.1:{server.port}/hook")
    assert seen.response_code == 307 and receiver.received == []


def test_the_pool_is_keyed_by_address_and_name():
    """Two names on one address never share a TLS connection (each verifies its own name)."""
    one = webhook_http._pool("https", "127.0.0.1", "a.example", 443)
    other = webhook_http._pool("https", "127.0.0.1", "b.example", 443)
    assert one is not other and one is webhook_http._pool("https", "127.0.0.1", "a.example", 443)
