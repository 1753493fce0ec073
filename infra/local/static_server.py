"""A small threaded HTTP server for the front ends: static files plus a few dynamic routes.

The standard library's server is enough here: these are local development servers for built
assets, and a framework would add a dependency for no gain.
"""

from __future__ import annotations

import json
import mimetypes
import posixpath
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], bytes]
# A route answers (status, headers, body) for a request (method, query, body bytes).
Route = Callable[[str, dict[str, list[str]], bytes], Answer]

MAX_BODY_BYTES = 1024 * 1024  # these servers take small JSON bodies, never uploads


@dataclass(frozen=True)
class Request:
    """What a request route sees: a route that must read headers (Origin, Content-Type) takes this."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes


RequestRoute = Callable[[Request], Answer]


def json_answer(status: int, payload: object) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


class StaticSite:
    def __init__(
        self,
        root: Path,
        routes: dict[str, Route] | None = None,
        aliases: dict[str, str] | None = None,
        spa_index: str | None = None,
        headers: dict[str, str] | None = None,
        request_routes: dict[str, RequestRoute] | None = None,
        path_headers: dict[str, dict[str, str]] | None = None,
    ):
        self.root = root.resolve()
        self.routes = routes or {}
        self.request_routes = request_routes or {}  # like routes, but given the whole Request
        self.aliases = aliases or {}  # "/checkout" -> "checkout.html"
        self.spa_index = spa_index  # unknown paths fall back to this file (client-side routing)
        self.headers = headers or {}  # on every answer
        self.path_headers = path_headers or {}  # "/checkout.js" -> headers for that path only

    def resolve(self, path: str) -> Path | None:
        relative = self.aliases.get(path, posixpath.normpath(path).lstrip("/")) or "index.html"
        candidate = (self.root / relative).resolve()
        if self.root not in candidate.parents and candidate != self.root:
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if candidate.is_file():
            return candidate
        if self.spa_index and "." not in posixpath.basename(path):
            return self.root / self.spa_index
        return None


def make_handler(site: StaticSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args) -> None:
            return

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            path_headers = site.path_headers.get(urlsplit(self.path).path, {})
            for name, value in {**site.headers, **path_headers, **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                # The body is left unread, so the connection cannot be reused.
                self.close_connection = True
                status, text = (400, b"Bad Content-Length") if length < 0 else (413, b"Payload Too Large")
                self._send(status, {"Content-Type": "text/plain", "Connection": "close"}, text)
                return
            body = self.rfile.read(length) if length else b""
            request_route = site.request_routes.get(parts.path)
            route = site.routes.get(parts.path)
            if request_route or route:
                try:
                    if request_route:
                        headers = {name.lower(): value for name, value in self.headers.items()}
                        answer = request_route(Request(self.command, parts.path, parse_qs(parts.query), headers, body))
                    elif route is not None:
                        answer = route(self.command, parse_qs(parts.query), body)
                except Exception:  # noqa: BLE001 - a broken route answers 500, not a dropped socket
                    traceback.print_exc(file=sys.stderr)
                    answer = json_answer(
                        500, {"error": {"code": "SERVER_ERROR", "description": "Internal server error"}}
                    )
                self._send(*answer)
                return
            if self.command not in ("GET", "HEAD"):
                self._send(405, {"Content-Type": "text/plain"}, b"Method Not Allowed")
                return
            file = site.resolve(parts.path)
            if file is None:
                self._send(404, {"Content-Type": "text/plain"}, b"Not Found")
                return
            try:
                content = file.read_bytes()
            except OSError:  # removed meanwhile (a rebuild in progress): not a dropped connection
                self._send(404, {"Content-Type": "text/plain"}, b"Not Found")
                return
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            self._send(200, {"Content-Type": content_type, "Cache-Control": "no-cache"}, content)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    return Handler


def serve(site: StaticSite, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(site))
    server.daemon_threads = True
    return server
