"""Serves the Chalice app's HTTP API locally, as `chalice local` does, minus its 40 ms stall.

    python -m infra.local.api_server

`chalice local`'s request handler leaves Nagle's algorithm on, so every keep-alive response
waits ~40 ms for a delayed ACK; disabling it brings a request to under a millisecond.

A path no route matches answers 404 NOT_FOUND_ERROR with the bytes API Gateway's gateway responses
send on AWS (infra/api_gateway.py), where `chalice local` imitates API Gateway's 403 and echoes the
caller's Authorization header in it: an API key and secret, in base64.

Without SESSION_SECRET (or ALLOW_DEV_SESSION_SECRET=true) the server refuses to start (exit 2).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler

from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    ThreadedHTTPServer,
)

from chalicelib.config import ConfigError, flag_value, session_secret
from chalicelib.domain.errors import RouteNotFound

from . import fast_http
from .processes import exit_now

CONFIGURATION_EXIT = 2
ROUTE_NOT_FOUND_BODY = json.dumps(RouteNotFound().to_body(), separators=(",", ":")).encode()


class NoRoute(LocalGatewayException):
    CODE = 404


class Gateway(LocalGateway):
    def _generate_lambda_event(self, method, path, headers, body):
        """chalice.local raises ValueError where no route matches, and LocalGateway answers it with
        API Gateway's 403 and the request's Authorization header inside: answer the API's 404."""
        try:
            return super()._generate_lambda_event(method, path, headers, body)
        except ValueError:
            raise NoRoute({"Content-Type": "application/json"}, ROUTE_NOT_FOUND_BODY) from None


class RequestHandler(ChaliceRequestHandler):
    disable_nagle_algorithm = True

    def __init__(self, request, client_address, server, app_object, config) -> None:
        # As ChaliceRequestHandler's, with the gateway above instead of chalice.local's.
        self.local_gateway = Gateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def setup(self) -> None:
        """API Gateway's requestContext.identity.sourceIp is the connection's peer; chalice.local
        writes 127.0.0.1 for every request. Throttling counts per client address, so the local API
        takes it from the socket too (never from a header a client writes, like X-Forwarded-For)."""
        super().setup()
        self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]

    def __getattr__(self, name: str):
        """Any other method (TRACE, QUERY, ...) reaches the app too, which answers 405 with Allow in
        the API's error shape, instead of http.server's 501 page."""
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _send_http_response_with_body(self, code: int, headers: dict, body) -> None:
        """As chalice's, but the status line, headers and body leave in one write (one syscall,
        one segment) instead of two."""
        if not isinstance(body, bytes):
            body = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        for name, value in headers.items():
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, item)
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def log_message(self, format: str, *args) -> None:
        if flag_value("API_ACCESS_LOG", os.environ.get("API_ACCESS_LOG"), True):
            super().log_message(format, *args)


class Server(ThreadedHTTPServer):
    request_queue_size = 128  # the stdlib's 5 resets connections under a burst of clients


def main() -> int:
    try:
        session_secret()  # also validates every other setting
    except ConfigError as error:
        print(f"api_server: refusing to start: {error}", file=sys.stderr, flush=True)
        return CONFIGURATION_EXIT
    fast_http.install()  # requests and the AWS calls' responses parse their headers faster
    app = importlib.import_module("app").app
    # Requests run on concurrent threads: `app.current_request` must be per thread, as
    # chalice.local.create_local_server (what `chalice local` runs) makes it. Without this, two
    # concurrent requests could see each other's headers and body.
    app.__class__ = type("ThreadLocalChalice", (LocalChalice, type(app)), {})
    # Build the AWS clients now, off the serving path, rather than once per thread in the first
    # burst of concurrent requests (chalicelib/warmup.py says why).
    from chalicelib import warmup

    threading.Thread(target=warmup.clients, name="warm-clients", daemon=True).start()
    host = os.environ.get("API_HOST", "127.0.0.1")
    port = int(os.environ.get("API_PORT", "8000"))
    config = Config.create(chalice_stage=os.environ.get("STAGE", "local"), lambda_timeout=60)
    server = LocalDevServer(app, config, host, port, handler_cls=RequestHandler, server_cls=Server)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    exit_now(0)


if __name__ == "__main__":
    sys.exit(main())
