"""The embedded AWS emulator as `make bench` runs it: infra/local/emulator.py's, plus a ledger of
the CPU time it spends per operation, read at GET /_emulator/costs.

    python -m bench.emulator   (same variables as python -m infra.local.emulator)

The ledger is the benchmark's instrument, not part of the emulator: `make run` and the tests never
load it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from infra.local import emulator


class CostLedger:
    """CPU time the server spent per operation (the X-Amz-Target's action, else the method and
    path): GET /_emulator/costs reads it, GET /_emulator/costs?reset=1 reads and clears it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[int, float]] = {}

    def add(self, operation: str, cpu_seconds: float) -> None:
        with self.lock:
            calls, total = self.entries.get(operation, (0, 0.0))
            self.entries[operation] = (calls + 1, total + cpu_seconds)

    def report(self, reset: bool) -> bytes:
        with self.lock:
            found = {name: {"calls": n, "cpu_ms": round(total * 1000, 3)} for name, (n, total) in self.entries.items()}
            if reset:
                self.entries.clear()
        return json.dumps(found).encode()


COSTS = CostLedger()


class CostLedgerMixin:
    """Goes in front of the emulator's request handler class (a http.server request handler):
    times each request's CPU from its request line to its response, and serves the ledger."""

    # What the handler class behind this mixin provides (BaseHTTPRequestHandler's attributes).
    headers: Any
    command: str
    path: str
    wfile: Any

    def parse_request(self) -> bool:
        self._cpu_started = time.thread_time()  # the request line is in: the work starts here
        return bool(super().parse_request())  # type: ignore[misc]  # the handler class behind it has it

    def run_wsgi(self) -> None:
        if self.path.startswith("/_emulator/costs"):
            body = COSTS.report(reset="reset=1" in self.path)
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            return
        started = getattr(self, "_cpu_started", None) or time.thread_time()
        try:
            super().run_wsgi()  # type: ignore[misc]  # the handler class behind it has it
        finally:
            COSTS.add(self._operation(), time.thread_time() - started)

    def _operation(self) -> str:
        target = self.headers.get("X-Amz-Target")
        if target:
            return str(target).rsplit(".", 1)[-1]
        return f"{self.command} {self.path.split('?', 1)[0]}"


if __name__ == "__main__":
    sys.exit(emulator.main(handler_mixins=(CostLedgerMixin,)))
