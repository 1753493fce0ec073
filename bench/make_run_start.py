"""How long `make run` takes to start: cold (a new, empty state folder) and warm (the state folder of
an earlier run, with data in it).

What is timed is what `make run` runs once everything is installed: `python -m infra.local.stack`
(make's own up-to-date checks are not included), from the process's start until its banner is
printed and the API answers /health. Each run is split into phases by the lines the supervisor
prints: the emulators up (DynamoDB Local's JVM and the moto server), provisioning (tables, queues,
key, migrations, seeding), resuming (expiry sweep, counts, re-queued jobs) and the gateway's own
processes. The emulators' start is the baseline: the part no change to the gateway can shorten.

    python -m bench.make_run_start [--runs 2] [--orders 200]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PORTS = ("EMULATOR_PORT", "DYNAMODB_LOCAL_PORT", "API_PORT", "RECEIVER_PORT", "CHECKOUT_PORT", "DASHBOARD_PORT")
MARKS = {
    "emulators": "creating tables and queues",  # printed once both emulators answer
    "provisioned": ("started fresh", "resumed state from"),
    "ready": "Ctrl-C stops everything",
}
AUTH = ("key_test_abc123", "secret_test_xyz789")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "STAGE", "WEBHOOK_"))}
    env.update({port: str(_free_port()) for port in PORTS})
    env.update({"LOCAL_STATE_DIR": str(state), "API_ACCESS_LOG": "0", "POWERTOOLS_LOG_LEVEL": "WARNING"})
    return env


def start_once(state: Path, timeout: float = 180) -> tuple[dict[str, float], subprocess.Popen, dict[str, str]]:
    """Start the stack on `state`; (seconds from start to each mark, the running process, its env)."""
    env = _environment(state)
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "infra.local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    marks: dict[str, float] = {}
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode(errors="replace")
            lines.append(line)
            for name, needle in MARKS.items():
                needles = needle if isinstance(needle, tuple) else (needle,)
                if name not in marks and any(n in line for n in needles):
                    marks[name] = time.perf_counter() - began

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + timeout
    api = f"http://127.0.0.1:{env['API_PORT']}"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the stack exited while starting:\n" + "".join(lines[-40:]))
        if "ready" in marks:
            try:
                if requests.get(api + "/health", timeout=2).status_code == 200:
                    marks["health"] = time.perf_counter() - began
                    return marks, process, env
            except requests.RequestException:
                pass
        time.sleep(0.02)
    stop(process)
    raise RuntimeError("the stack did not start in time:\n" + "".join(lines[-40:]))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fill(env: dict[str, str], orders: int) -> None:
    """Give the state something to resume: orders, and a few payments."""
    api = f"http://127.0.0.1:{env['API_PORT']}"
    http = requests.Session()
    http.auth = AUTH
    for number in range(orders):
        order = http.post(api + "/api/v1/orders", json={"amount": 1000 + number}, timeout=10).json()
        if number % 10 == 0:
            http.post(
                api + "/api/v1/payments",
                json={"order_id": order["id"], "method": "upi", "vpa": "success@test"},
                timeout=10,
            )


def _phases(marks: dict[str, float]) -> dict[str, float]:
    return {
        "total_s": round(marks["health"], 2),
        "emulators_s": round(marks["emulators"], 2),
        "provision_and_resume_s": round(marks["provisioned"] - marks["emulators"], 2),
        "gateway_processes_s": round(marks["health"] - marks["provisioned"], 2),
    }


def measure(runs: int, orders: int) -> dict:
    cold, warm = [], []
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as scratch:
        for run in range(runs):
            state = Path(scratch) / f"state-{run}"
            marks, process, env = start_once(state)
            cold.append(_phases(marks))
            try:
                fill(env, orders)
            finally:
                stop(process)
            marks, process, env = start_once(state)
            warm.append(_phases(marks))
            stop(process)

    def median(samples: list[dict[str, float]]) -> dict[str, float]:
        return {key: round(statistics.median(s[key] for s in samples), 2) for key in samples[0]}

    return {
        "cold": median(cold),
        "warm": median(warm),
        "runs": runs,
        "orders_in_warm_state": orders,
        "samples": {"cold": cold, "warm": warm},
        "measures": "python -m infra.local.stack until its banner and /health (make's up-to-date checks excluded)",
        # Starting is mostly process start-up and JVM warm-up: other work on the machine stretches it.
        "load_average_1min": [load_at_start, round(os.getloadavg()[0], 2)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps(measure(args.runs, args.orders), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
