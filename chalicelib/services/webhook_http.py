"""The one HTTP POST of a webhook attempt, and what it observed.

urllib3 (already a dependency of botocore) gives pooled keep-alive connections and a hard
timeout, without following redirects.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NameResolutionError, NewConnectionError, ReadTimeoutError

from ..domain.deliveries import RESPONSE_BODY_LIMIT, is_private_address

USER_AGENT = "PaymentGateway-Webhooks/1.0"

_pool = urllib3.PoolManager(num_pools=64, maxsize=16, retries=False, block=False)


@dataclass(frozen=True)
class Observation:
    response_code: int | None
    response_body: str | None
    error: str | None
    duration_ms: int
    retry_after: str | None = None  # the response's raw Retry-After header (domain/retry.py reads it)


def _resolves_to_private(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return False  # the POST reports the resolution failure itself
    return any(is_private_address(address) for address in addresses)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float, block_private: bool) -> Observation:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    if block_private and _resolves_to_private(url):
        return Observation(None, None, "Refused: the URL resolves to a private or loopback address", elapsed())
    try:
        response = _pool.request(
            "POST",
            url,
            body=body,
            redirect=False,
            preload_content=False,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=urllib3.Timeout(connect=timeout, read=timeout, total=timeout),
        )
    # Most specific first: urllib3 2 derives NameResolutionError from NewConnectionError, and that
    # from ConnectTimeoutError.
    except NameResolutionError:
        return Observation(None, None, f"Could not resolve host {urlsplit(url).hostname}", elapsed())
    except NewConnectionError as error:
        reason = "Connection refused" if "refused" in str(error).lower() else f"Could not connect: {error}"
        return Observation(None, None, reason, elapsed())
    except (ReadTimeoutError, ConnectTimeoutError):
        return Observation(None, None, f"Timed out after {timeout:g} s", elapsed())
    except HTTPError as error:
        return Observation(None, None, f"HTTP error: {error.__class__.__name__}: {error}", elapsed())
    try:
        declared = response.headers.get("Content-Length")
        small = declared is not None and declared.isdigit() and int(declared) <= RESPONSE_BODY_LIMIT
        raw = response.read(RESPONSE_BODY_LIMIT if not small else None)
        text = raw[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace")
    except (ReadTimeoutError, HTTPError):
        text = None
        small = False
    finally:
        if small:
            response.release_conn()  # fully read: the connection goes back to the pool
        else:
            response.close()  # unread bytes may remain: never reuse this connection
    return Observation(response.status, text, None, elapsed(), response.headers.get("Retry-After"))
