"""The one HTTP POST of a webhook attempt, and what it observed.

Three promises, each of which plain urllib3 does not keep by itself:

- A total wall-clock deadline (`timeout`) over name resolution, connect, TLS, send, the wait and
  the read. urllib3's timeouts bound each socket operation, so a receiver that drips one byte
  every half second never trips them. Here resolution runs in a worker whose answer is awaited
  for the time left only, every socket operation gets at most the time left, and a watchdog
  thread shuts the attempt's socket down at the deadline, which ends whatever read or write is
  blocked on it.
- SSRF-proof: the name is resolved once, here, and every address it resolves to is vetted
  (domain/deliveries.address_refusal); the connection then goes to a vetted address itself, the
  name kept for TLS SNI, certificate verification and the Host header. Letting urllib3 resolve
  again would let a rebinding DNS server answer a public address to the check and 127.0.0.1 to
  the connect.
- A bounded answer: at most RESPONSE_BODY_LIMIT bytes are read (and stored, as UTF-8).

Keep-alive connections are pooled per (scheme, address, port, name), which is what throughput
rests on. Redirects are never followed.
"""

from __future__ import annotations

import codecs
import contextlib
import heapq
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ResolutionTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, NewConnectionError

from ..config import settings
from ..domain.deliveries import RESPONSE_BODY_LIMIT, address_refusal

USER_AGENT = "PaymentGateway-Webhooks/1.0"
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Observation:
    response_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int
    retry_after: str | None = None  # the raw Retry-After header; the engine parses it


# ---- the deadline ----------------------------------------------------------------------------


class _Attempt:
    """One attempt's deadline and the sockets it uses. Sockets are held as duplicated descriptors:
    shutdown() acts on the socket itself, so shutting a duplicate down ends a read blocked on the
    original, even one an SSLSocket wraps (which detaches the descriptor urllib3 first made)."""

    def __init__(self, timeout: float) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.expired = False
        self._finished = False
        self._watched: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        try:
            duplicate = socket.socket(fileno=os.dup(sock.fileno()))
        except OSError:
            return  # already closed: nothing left to cut
        with self._lock:
            if self._finished:
                duplicate.close()
                return
            self._watched.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def expire(self) -> None:
        """The watchdog's call at the deadline."""
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for duplicate in self._watched:
                _shut(duplicate)

    def finish(self) -> None:
        with self._lock:
            self._finished = True
            watched, self._watched = self._watched, []
        for duplicate in watched:
            duplicate.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by its owner
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread for every attempt in the process, rather than a timer thread per attempt: it
    sleeps until the earliest deadline and cuts that attempt's sockets if it is still running."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Attempt]] = []
        self._wake = threading.Condition()
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, attempt: _Attempt) -> None:
        with self._wake:
            self._count += 1
            heapq.heappush(self._heap, (attempt.deadline, self._count, attempt))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-watchdog", daemon=True)
                self._thread.start()
            if self._heap[0][2] is attempt:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                _, _, attempt = heapq.heappop(self._heap)
            attempt.expire()  # a no-op for an attempt that finished in time


_watchdog = _Watchdog()
_current = threading.local()  # the attempt this record thread is making, for the connections


class _WatchedHTTPConnection(HTTPConnection):
    """Hands every socket it uses to the current attempt's watchdog: a new one when it is made
    (before any TLS handshake, which a receiver could drip too), a kept-alive one when reused."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        attempt: _Attempt | None = getattr(_current, "attempt", None)
        if attempt is not None:
            attempt.watch(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        attempt: _Attempt | None = getattr(_current, "attempt", None)
        if attempt is not None and self.sock is not None:
            attempt.watch(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_pools = urllib3.PoolManager(num_pools=256, maxsize=16, retries=False, block=False)
_pools.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

# Name resolution cannot be given a timeout: it runs here, and the attempt waits for it only as
# long as its deadline allows (a stuck lookup then ends on the resolver's own timeout, off the
# attempt's clock).
_resolvers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-resolve")


class Refused(Exception):
    """The attempt may not be made: its message is the attempt's error."""


def _addresses(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _resolve(host: str, port: int, attempt: _Attempt) -> list[str]:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return [host]  # an address already: nothing to resolve
    except OSError:
        pass
    lookup = _resolvers.submit(_addresses, host, port)
    try:
        return lookup.result(timeout=attempt.remaining())
    except ResolutionTimeout:
        attempt.expire()
        raise
    except (socket.gaierror, UnicodeError):
        raise Refused(f"Could not resolve host {host}") from None


def _vetted(url: str, attempt: _Attempt, block_private: bool, allow_http: bool) -> tuple[str, str, int, list[str]]:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise Refused("Refused: the URL is not an absolute http or https URL")
    if parts.scheme == "http" and not allow_http:
        raise Refused("Refused: webhook URLs must use https")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except (UnicodeError, ValueError):
        raise Refused("Refused: the URL is not a valid URL") from None
    addresses = _resolve(host, port, attempt)
    for address in addresses:  # every one, or a name could hide loopback behind a public address
        refusal = address_refusal(address, allow_private=not block_private)
        if refusal:
            raise Refused(refusal)
    if not addresses:
        raise Refused(f"Could not resolve host {host}")
    return parts.scheme, host, port, addresses


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if port == DEFAULT_PORTS[scheme] else f"{name}:{port}"


def _pool(scheme: str, address: str, host: str, port: int) -> HTTPConnectionPool:
    """The keep-alive pool for this address and name: TLS presents and verifies the name."""
    tls = {"server_hostname": host, "assert_hostname": host} if scheme == "https" else {}
    pool: HTTPConnectionPool = _pools.connection_from_host(address, port, scheme, pool_kwargs=tls)
    return pool


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    block_private: bool,
    *,
    allow_http: bool | None = None,
) -> Observation:
    """POST `body` to `url` within `timeout` seconds in all. `allow_http` None reads
    WEBHOOK_ALLOW_HTTP: an http URL saved before https was required is refused here too."""
    attempt = _Attempt(timeout)
    timed_out = f"Timed out after {timeout:g} s"
    _watchdog.add(attempt)
    _current.attempt = attempt
    try:
        return _post(
            url,
            body,
            headers,
            attempt,
            block_private,
            settings().webhook_allow_http if allow_http is None else allow_http,
        )
    except Refused as refused:
        return Observation(None, None, str(refused), attempt.elapsed_ms())
    except ResolutionTimeout:
        return Observation(None, None, timed_out, attempt.elapsed_ms())
    except HTTPError as error:
        if attempt.expired or "timed out" in str(error).lower():
            return Observation(None, None, timed_out, attempt.elapsed_ms())
        return Observation(None, None, f"HTTP error: {error.__class__.__name__}: {error}", attempt.elapsed_ms())
    finally:
        _current.attempt = None
        attempt.finish()


def _post(
    url: str, body: bytes, headers: dict[str, str], attempt: _Attempt, block_private: bool, allow_http: bool
) -> Observation:
    timed_out = f"Timed out after {attempt.deadline - attempt.started:g} s"
    scheme, host, port, addresses = _vetted(url, attempt, block_private, allow_http)
    sent_headers = {
        "Host": _host_header(scheme, host, port),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **headers,
    }
    response = None
    for index, address in enumerate(addresses):
        remaining = attempt.remaining()
        if remaining <= 0:
            return Observation(None, None, timed_out, attempt.elapsed_ms())
        try:
            response = _pool(scheme, address, host, port).urlopen(
                "POST",
                _request_target(url),
                body=body,
                headers=sent_headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=remaining, read=remaining),
            )
            break
        except NewConnectionError as error:
            if attempt.expired or "timed out" in str(error).lower():
                return Observation(None, None, timed_out, attempt.elapsed_ms())
            if index + 1 < len(addresses):
                continue  # the name's next address, as a browser would
            reason = "Connection refused" if "refused" in str(error).lower() else f"Could not connect: {error}"
            return Observation(None, None, reason, attempt.elapsed_ms())
    assert response is not None
    text, reusable = _read_body(response)
    if attempt.expired:
        response.close()
        return Observation(None, None, timed_out, attempt.elapsed_ms())
    if reusable:
        response.release_conn()  # fully read: the connection goes back to the pool
    else:
        response.close()  # unread bytes may remain: never reuse this connection
    return Observation(response.status, text, None, attempt.elapsed_ms(), response.headers.get("Retry-After"))


def _read_body(response: urllib3.BaseHTTPResponse) -> tuple[str | None, bool]:
    """The answer's first RESPONSE_BODY_LIMIT bytes as UTF-8 of at most that many bytes, and
    whether the connection was read to its end (and may be kept alive)."""
    declared = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    # A short, declared, uncompressed answer is read whole and the connection kept; any other is
    # read up to the limit only (a compressed one decodes to far more than it declares).
    whole = declared.isdigit() and int(declared) <= RESPONSE_BODY_LIMIT and not encoded
    try:
        raw = response.read() if whole else response.read(RESPONSE_BODY_LIMIT + 1)
    except (HTTPError, OSError):
        return None, False
    cut = len(raw) > RESPONSE_BODY_LIMIT
    # final=False holds back a character the cut split; errors="replace" can make one invalid byte
    # three (U+FFFD), so the limit is applied again to the encoded text.
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(raw[:RESPONSE_BODY_LIMIT], final=not cut)
    stored = text.encode()
    if len(stored) > RESPONSE_BODY_LIMIT:
        text = stored[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="ignore")
    return text, whole
