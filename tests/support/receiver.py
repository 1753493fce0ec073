"""A real webhook receiver on loopback that records every request and answers as scripted."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .ports import free_port
from .waiting import DEFAULT_DEADLINE_SECONDS, eventually


@dataclass(frozen=True)
class Received:
    at: float  # time.time() when the request arrived
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return self.json["event"]


@dataclass(frozen=True)
class Answer:
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering: longer than the gateway's timeout = a timeout
    body: bytes = b'{"ok":true}'


class Receiver:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list[Received] = []
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def answer_next(self, *answers: Answer) -> None:
        with self._lock:
            self.script.extend(answers)

    def _next_answer(self) -> Answer:
        with self._lock:
            return self.script.popleft() if self.script else self.default

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each answer on a reused connection waits ~40 ms

            def log_message(self, format, *args):
                return

            def setup(self):
                super().setup()
                with receiver._lock:
                    receiver._connections.add(self.connection)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request (a kill -9 test): nothing was delivered
                with receiver._lock:
                    receiver.received.append(Received(time.time(), dict(self.headers.items()), body))
                answer = receiver._next_answer()
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the gateway gave up waiting, as it should

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening and drop open keep-alive connections: the port then refuses connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def events(self, kind: str | None = None, entity_id: str | None = None) -> list[Received]:
        with self._lock:
            found = list(self.received)
        if kind:
            found = [r for r in found if r.event == kind]
        if entity_id:
            found = [r for r in found if _entity_id(r) == entity_id]
        return found

    def wait_for(
        self, kind: str, entity_id: str | None = None, count: int = 1, timeout: float = DEFAULT_DEADLINE_SECONDS
    ) -> list[Received]:
        return eventually(
            lambda: (found := self.events(kind, entity_id)) and len(found) >= count and found,
            timeout=timeout,
            message=f"{count} x {kind} for {entity_id}",
        )


def _entity_id(received: Received) -> str | None:
    data = received.json.get("data", {})
    entity = next(iter(data.values()), {}) if data else {}
    return entity.get("id") if isinstance(entity, dict) else None
