"""Serves the Chalice app's HTTP API locally, as `chalice local` does, minus its 40 ms stall.

    python -m infra.local.api_server

`chalice local`'s request handler leaves Nagle's algorithm on, so every keep-alive response
waits ~40 ms for a delayed ACK; disabling it brings a request to under a millisecond.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
import threading

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer, ThreadedHTTPServer


class RequestHandler(ChaliceRequestHandler):
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if os.environ.get("API_ACCESS_LOG", "1") not in ("0", "false"):
            super().log_message(format, *args)


class Server(ThreadedHTTPServer):
    request_queue_size = 128  # the stdlib's 5 resets connections under a burst of clients


def main() -> int:
    app = importlib.import_module("app").app
    host = os.environ.get("API_HOST", "127.0.0.1")
    port = int(os.environ.get("API_PORT", "8000"))
    config = Config.create(chalice_stage=os.environ.get("STAGE", "local"), lambda_timeout=60)
    server = LocalDevServer(app, config, host, port, handler_cls=RequestHandler, server_cls=Server)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
