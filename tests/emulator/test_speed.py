"""The speed patches (infra/local/moto_speed.py): each test fails without its own. They check the
mechanism (a connection reused, a slow path not taken, a cost that does not grow), not timings:
`make bench` measures what each saves."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import DISABLED, cpu_ms
from .test_sqs import SQS_AUTHORIZATION, send_batches

ROOT = Path(__file__).resolve().parents[2]

# --- keep-alive --------------------------------------------------------------------------------


def test_keep_alive_serves_many_calls_on_one_connection(emulator, queue):
    """werkzeug's server, as moto runs it, closed the connection after every response."""
    parts = urlsplit(emulator.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    sockets = []
    for _ in range(3):
        connection.request(
            "POST",
            "/",
            body=json.dumps({"QueueUrl": queue, "AttributeNames": ["QueueArn"]}),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "AmazonSQS.GetQueueAttributes",
                "Authorization": SQS_AUTHORIZATION,
            },
        )
        response = connection.getresponse()
        assert response.status == 200 and "QueueArn" in response.read().decode()
        assert response.getheader("Connection", "").lower() != "close"
        sockets.append(connection.sock)  # http.client drops its socket when the server closes
    assert sockets[0] is not None and all(sock is sockets[0] for sock in sockets)
    connection.close()


# --- routing-cache, json-fast-path, header-parsing -----------------------------------------------


@pytest.fixture(scope="module")
def slow_paths() -> dict[str, int]:
    """How often each slow path ran for five identical requests (tests/emulator/speed_probe.py)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.emulator.speed_probe"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "EMULATOR_TEST_DISABLE": ",".join(DISABLED)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_routing_is_worked_out_once_per_host(slow_paths):
    """moto matched hundreds of URL patterns (and listed its package directory) for every request."""
    assert slow_paths.get("routing", 0) <= 1


def test_json_protocol_requests_skip_flask(slow_paths):
    """moto sent every request through Flask's request context, URL matching and hooks."""
    assert slow_paths.get("flask", 0) == 0


def test_header_blocks_skip_the_email_parser(slow_paths):
    """The stdlib parsed every request's (and response's) headers with the email package."""
    assert slow_paths.get("email_parser", 0) == 0


# --- sqs-bookkeeping ---------------------------------------------------------------------------


def send_cpu_ms(emulator: Any, sqs: Any, queue: str, n: int = 20) -> float:
    started = cpu_ms(emulator.process.pid)
    for i in range(n):
        sqs.send_message(QueueUrl=queue, MessageBody=f"probe-{i}")
    return (cpu_ms(emulator.process.pid) - started) / n


def test_a_send_costs_the_same_on_a_long_queue(emulator, sqs, queue):
    """moto's SendMessage counted the queue's messages three times, reading the clock through
    datetime objects for each: a send's cost grew with the queue's length."""
    small = send_cpu_ms(emulator, sqs, queue)
    send_batches(sqs, queue, [f"filler-{i}" for i in range(1000)])
    large = send_cpu_ms(emulator, sqs, queue)
    # CPU time, not wall time: other work on the machine barely moves it; 3 ms of slack for the
    # clock's 10 ms ticks over 20 calls.
    assert large < 2 * small + 3, f"{large:.2f} ms per send on 1000 messages, {small:.2f} ms on none"
