"""A slow merchant cannot hold up the others: on the session's running stack (deliveries through
SQS, the webhook function's batches, real receivers on loopback), one merchant's receiver holds
every request open and never answers while another's answers at once."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.support.waiting import eventually

SLOW_DELIVERIES = 12  # more than a batch (10): the held attempts fill whole batches
FAST_DELIVERIES = 3


class HoldingReceiver:
    """Reads each request, then holds its connection open until released, never finishing an
    answer: it trickles a header byte every 0.5 s, so that no per-read timeout ever fires."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.release = threading.Event()
        self.held = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(connection,), daemon=True).start()

    def _hold(self, connection: socket.socket) -> None:
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            with self._lock:
                self.held += 1
            try:
                connection.sendall(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
                while not self.release.wait(0.5):
                    connection.sendall(b"a")
            except OSError:
                return  # the gateway gave up at its deadline and closed the connection

    def close(self) -> None:
        self.release.set()
        self.listener.close()


def test_a_merchant_whose_receiver_never_answers_does_not_delay_another(gateway):
    deadline = 2.0  # the session stack's WEBHOOK_TIMEOUT_SECONDS (tests/conftest.py)
    slow, fast = HoldingReceiver(), Receiver()
    try:
        slow_api = Api(gateway, gateway.new_merchant(slow.url))
        fast_api = Api(gateway, gateway.new_merchant(fast.url))
        slow_ids = [slow_api.post("/api/v1/merchant/webhook/test").json()["id"] for _ in range(SLOW_DELIVERIES)]
        eventually(lambda: slow.held >= 1, timeout=20, message="the slow receiver holding a request")
        fast_ids = [fast_api.post("/api/v1/merchant/webhook/test").json()["id"] for _ in range(FAST_DELIVERIES)]
        # Well above one deadline, and well below what waiting behind the held attempts would take
        # if they were not cut (the slow receiver is released only at the end).
        fast.wait_for("webhook.test", count=FAST_DELIVERIES, timeout=4 * deadline + 4)
        assert {r.headers["webhook-id"] for r in fast.events("webhook.test")} == set(fast_ids)

        def first_attempts_recorded() -> list[dict]:
            found = [slow_api.get(f"/api/v1/webhooks/{i}").json() for i in slow_ids]
            return found if all(d["attempt_log"] for d in found) else []

        details = eventually(first_attempts_recorded, timeout=30, message="the held attempts recorded")
        firsts = [detail["attempt_log"][0] for detail in details]
        for first in firsts:
            assert first["response_code"] is None and first["error"] == f"Timed out after {deadline:g} s", first
            # Its real duration: cut at the deadline, not held for as long as the receiver wanted
            # (that it was cut at all is proven by its being recorded while the receiver still
            # holds). Each one's room is for a loaded machine's stalls; one stall cannot make all
            # twelve late, so the shortest shows how late the cut comes.
            assert deadline * 1000 <= first["duration_ms"] < deadline * 1000 + 8000, first
        assert min(first["duration_ms"] for first in firsts) < deadline * 1000 + 1500, firsts
    finally:
        slow.close()
        fast.stop()


@pytest.mark.slow
def test_a_request_held_open_does_not_delay_another_merchants_delivery(make_gateway):
    """Behind a held request, another merchant's delivery would wait for the cut. The deadline is
    30 s here, so waiting behind it takes 30 s, and 25 s of room for the fast delivery leaves any
    stall of a loaded machine far from the bound (the 2 s deadline of the session stage cannot)."""
    stack = make_gateway(WEBHOOK_TIMEOUT_SECONDS="30", QUEUE_VISIBILITY_TIMEOUT="200")
    slow, fast = HoldingReceiver(), Receiver()
    try:
        slow_api = Api(stack, stack.new_merchant(slow.url))
        fast_api = Api(stack, stack.new_merchant(fast.url))
        held = slow_api.post("/api/v1/merchant/webhook/test").json()["id"]
        eventually(lambda: slow.held >= 1, timeout=20, message="the slow receiver holding a request")
        fast_id = fast_api.post("/api/v1/merchant/webhook/test").json()["id"]
        [received] = fast.wait_for("webhook.test", timeout=25)
        assert received.headers["webhook-id"] == fast_id
        # The held attempt is still going: nothing recorded, so the fast one did not wait for it.
        assert slow_api.get(f"/api/v1/webhooks/{held}").json()["attempts"] == 0
    finally:
        slow.close()
        fast.stop()
