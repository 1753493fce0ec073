"""`make run` itself: it starts the whole stack, serves the API, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import requests

from infra.local.processes import wait_for_http
from tests.support.ports import free_port
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_make_run_starts_everything_and_ctrl_c_stops_it(tmp_path):
    marker = f"STACK_TEST_MARKER={uuid.uuid4().hex}"
    ports = {
        name: str(free_port())
        for name in (
            "EMULATOR_PORT",
            "DYNAMODB_LOCAL_PORT",
            "API_PORT",
            "RECEIVER_PORT",
            "CHECKOUT_PORT",
            "DASHBOARD_PORT",
        )
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEST_", "STAGE"))}
    env.update(ports)
    env["STACK_TEST_MARKER"] = marker.split("=", 1)[1]
    env["LOCAL_STATE_DIR"] = str(tmp_path / "state")  # not the checkout's own .state/
    log = open(tmp_path / "make-run.log", "wb")  # noqa: SIM115 - `make run` writes it until `finally` closes it
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    try:
        assert wait_for_http(api + "/health", 120, make, accept=lambda status: status == 200), (
            tmp_path / "make-run.log"
        ).read_text()

        def output() -> str:
            return (tmp_path / "make-run.log").read_text()

        eventually(lambda: "Ctrl-C stops everything" in output(), message="the banner")
        assert "key_test_abc123" in output() and "secret_test_xyz789" in output()
        assert f"http://127.0.0.1:{ports['API_PORT']}" in output()
        # make run, and only it, turns on what no deployed stage has, and says so.
        assert "TEST_ENDPOINTS=true, WEBHOOK_BLOCK_PRIVATE_URLS=false, ALLOW_DEV_SESSION_SECRET=true" in output()
        assert requests.post(api + "/api/v1/test/merchants", json={"name": "Local"}).status_code == 201
        login = {"email": "test@example.com", "password": "test-password-123"}
        assert requests.post(api + "/api/v1/dashboard/login", json=login).status_code == 200

        # The functions run: a payment is processed and its webhooks reach the example receiver.
        auth = ("key_test_abc123", "secret_test_xyz789")
        order = requests.post(api + "/api/v1/orders", json={"amount": 1000}, auth=auth).json()
        payment = requests.post(
            api + "/api/v1/payments", auth=auth, json={"order_id": order["id"], "method": "upi", "vpa": "success@test"}
        ).json()
        eventually(
            lambda: requests.get(api + f"/api/v1/payments/{payment['id']}", auth=auth).json()["status"] == "success",
            timeout=20,
            message="the payment to succeed",
        )
        eventually(
            lambda: "payment.success" in output() and "verified by X-Webhook-Signature" in output(),
            timeout=20,
            message="the receiver to verify payment.success",
        )
        assert len(processes_with(marker)) >= 5  # make, supervisor, emulator, api, functions, receiver...

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        make.wait(30)
        eventually(lambda: not processes_with(marker), timeout=15, message="every process to exit")
        for port in ports.values():
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", int(port))) != 0, f"port {port} still open"
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        for pid in processes_with(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()


def test_provisioning_twice_is_harmless(aws):
    """Provisioning twice changes nothing: the second run creates no table and no merchant."""
    from infra.provision import provision

    first = provision(seed=True)
    second = provision(seed=True)
    assert second["tables_created"] == [] and second["merchant_created"] is False
    assert first["queues"] == second["queues"]
