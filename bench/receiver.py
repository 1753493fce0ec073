"""The benchmarks' webhook receiver: a process of its own, like a merchant's server.

    python -m bench.receiver PORT

POST (any path) records (arrival time, path, event, entity id, webhook-id) and answers 200 at
once. It is a well-behaved keep-alive server: Nagle's algorithm is off and each response goes
out in one write, so no delayed-ACK stall is charged to the gateway.

GET /events?offset=N   every record from N on, as JSON
GET /count             {"count": n}
GET /wait?event=E&entity=ID&timeout=S   blocks until that event has arrived; its record or 504
POST /reset is not a thing: GET /reset forgets every record.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Records:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.index: dict[tuple[str, str], dict] = {}
        self.changed = threading.Condition()

    def add(self, record: dict) -> None:
        with self.changed:
            self.items.append(record)
            self.index.setdefault((record["event"], record["entity"]), record)
            self.changed.notify_all()

    def wait(self, event: str, entity: str, timeout: float) -> dict | None:
        with self.changed:
            self.changed.wait_for(lambda: (event, entity) in self.index, timeout)
            return self.index.get((event, entity))

    def reset(self) -> None:
        with self.changed:
            self.items.clear()
            self.index.clear()


RECORDS = Records()
OK_BODY = b'{"received":true}'
OK_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(OK_BODY)).encode()
    + b"\r\n\r\n"
    + OK_BODY
)


def _entity(payload: dict) -> str:
    data = payload.get("data") or {}
    entity = next(iter(data.values()), None) if isinstance(data, dict) and data else None
    return str(entity.get("id", "")) if isinstance(entity, dict) else ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        at = time.time()
        try:
            payload = json.loads(body)
            event, entity = payload.get("event", ""), _entity(payload)
        except ValueError:
            event, entity = "", ""
        self.wfile.write(OK_RESPONSE)  # one write: status line, headers and body together
        RECORDS.add(
            {
                "at": at,
                "path": self.path,
                "event": event,
                "entity": entity,
                "webhook_id": self.headers.get("webhook-id", ""),
            }
        )

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/events":
            with RECORDS.changed:
                found = RECORDS.items[int(query.get("offset", 0)) :]
            self._json(200, found)
        elif url.path == "/count":
            self._json(200, {"count": len(RECORDS.items)})
        elif url.path == "/wait":
            record = RECORDS.wait(query["event"], query["entity"], float(query.get("timeout", 10)))
            self._json(200 if record else 504, record or {"error": "timed out"})
        elif url.path == "/reset":
            RECORDS.reset()
            self._json(200, {"reset": True})
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        self.wfile.write(head + data)


def main() -> int:
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"bench receiver on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
