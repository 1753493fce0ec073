"""`paygw`, run as a subprocess against the session's gateway: every command, its --json, its exit
codes; `trigger` producing the named events, `listen` forwarding them signed to a receiver, and
`reset`'s confirmation through a terminal (pty)."""

from __future__ import annotations

import json
import os
import pty
import select
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.domain.endpoints import default_endpoint_id
from infra.local.state import MARKER
from tests.support.api import Api
from tests.support.ports import free_port
from tests.support.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
# The console script `paygw` runs paygw.main:main, as `python -m paygw` does.
PAYGW = [sys.executable, "-m", "paygw"]


def environment(gateway, merchant, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The connection in the environment (a stub gateway's tests give neither gateway nor merchant)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAYGW_")}
    env.update(PAYGW_CONFIG=str(tmp_path / "profiles.json"), PAYGW_HTTP_TIMEOUT="60")
    if gateway is not None:
        env.update(PAYGW_API_URL=gateway.api_url, PAYGW_API_KEY=merchant.api_key, PAYGW_API_SECRET=merchant.api_secret)
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PAYGW, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PAYGW, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str], timeout: float = 150) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def test_trigger_makes_each_named_event_happen_with_real_entities(gateway, tmp_path):
    """Three triggers at once (each its own subprocess), one of them with the human output."""
    env = environment(gateway, gateway.new_merchant(), tmp_path)
    runs = {
        "partial": start(
            env, "trigger", "refund.processed", "--amount", "12500", "--override", "order.notes.sku=A1", "--json"
        ),
        "declined": start(env, "trigger", "payment.failed", "--outcome", "decline", "--json"),
        "captured": start(env, "trigger", "payment.captured", "--override", "order.amount=99900"),
    }
    results = {name: finish(process) for name, process in runs.items()}
    for name, (code, _, err) in results.items():
        assert code == 0, (name, err)
    parsed = {name: json.loads(out) for name, (_, out, _) in results.items() if name != "captured"}

    def events(name: str) -> set[tuple[str, str]]:
        return {(e["entity_id"], e["event"]) for e in parsed[name]["events"]}

    # A successful payment refunded in part: its order as overridden, and every event of both.
    entities = parsed["partial"]["entities"]
    payment, refund = entities["payment"], entities["refund"]
    assert entities["order"]["notes"] == {"sku": "A1"}
    assert (payment["status"], payment["amount_refunded"]) == ("success", 12500)
    assert (refund["amount"], refund["status"]) == (12500, "processed")
    assert events("partial") == {
        *((payment["id"], name) for name in ("payment.created", "payment.pending", "payment.success")),
        (refund["id"], "refund.created"),
        (refund["id"], "refund.processed"),
    }
    declined = parsed["declined"]["entities"]["payment"]
    assert (declined["status"], declined["error_code"], declined["method"]) == ("failed", "CARD_DECLINED", "card")
    assert (declined["id"], "payment.failed") in events("declined")
    # The human output: the entities (the payment captured, for the overridden amount) and the events.
    table = results["captured"][1]
    assert "captured" in table and "999.00 INR" in table and "payment.success" in table


def test_trigger_refuses_a_contradiction_and_says_why(tmp_path):
    env = environment(None, None, tmp_path)
    contradiction = run(env, "trigger", "payment.success", "--outcome", "decline")
    assert contradiction.returncode == 2 and "payment.success needs --outcome success" in contradiction.stderr
    unknown = run(env, "trigger", "payment.nope")
    assert unknown.returncode == 2
    assert "Examples:" in run(env, "listen", "--help").stdout


def test_listen_forwards_each_event_signed_with_the_listener_secret(gateway, tmp_path):
    receiver = Receiver()
    try:
        merchant = gateway.new_merchant()
        env = environment(gateway, merchant, tmp_path)
        since = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        listener = start(
            env, "listen", "--forward-to", receiver.url, "--events", "payment.success", "--since", since,
            "--max-events", "1", "--interval", "0.2", "--json",
        )  # fmt: skip
        api = Api(gateway, merchant)
        payment = api.wait_final(api.pay()["id"], timeout=60)
        code, out, err = finish(listener)
        assert code == 0, err
        ready, forwarded = (json.loads(line) for line in out.splitlines())
        assert forwarded["event"] == "payment.success" and forwarded["status"] == 200
        [received] = receiver.events()
        assert received.json["data"]["payment"]["id"] == payment["id"]
        headers = {key.lower(): value for key, value in received.headers.items()}
        assert headers["webhook-id"] == forwarded["id"]
        # Verified as a receiver would, with the secret listen printed; kept 0600 in the profile file.
        Webhook(ready["listener_secret"]).verify(received.body, headers)
        profile_file = tmp_path / "profiles.json"
        assert json.loads(profile_file.read_text())["profiles"]["default"]["listen_secret"] == ready["listener_secret"]
        assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
    finally:
        receiver.stop()


def test_tail_retry_and_replay_work_on_the_delivery_log(gateway, tmp_path):
    receiver = Receiver()
    try:
        merchant = gateway.new_merchant(webhook_url=receiver.url)
        env = environment(gateway, merchant, tmp_path)
        api = Api(gateway, merchant)
        payment = api.wait_final(api.pay()["id"], timeout=60)
        receiver.wait_for("payment.success", payment["id"], timeout=60)
        follow = run(env, "tail", "--event", "payment.success", "--count", "1", "--json")
        assert follow.returncode == 0, follow.stderr
        [line] = follow.stdout.splitlines()
        delivery = json.loads(line)
        assert delivery["entity_id"] == payment["id"]
        listed = run(env, "tail", "--no-follow", "--status", "success", "--json")
        assert delivery["id"] in {d["id"] for d in json.loads(listed.stdout)["deliveries"]}
        assert "payment.success" in run(env, "tail", "--no-follow").stdout

        retried = run(env, "retry", delivery["id"], "--json")
        assert retried.returncode == 0 and json.loads(retried.stdout)["status"] == "pending"
        receiver.wait_for("payment.success", payment["id"], count=2, timeout=60)
        replayed = run(env, "replay", "--since", "2020-01-01T00:00:00Z", "--event", "payment.created", "--json")
        assert replayed.returncode == 0 and json.loads(replayed.stdout) == {"count": 1}
        receiver.wait_for("payment.created", payment["id"], count=2, timeout=60)
        missing = run(env, "retry", "evt_0000000000000000", "--json")
        assert missing.returncode == 3 and json.loads(missing.stdout)["error"]["status"] == 404
    finally:
        receiver.stop()


def test_merchants_profiles_keys_and_exit_codes(gateway, tmp_path):
    env = environment(gateway, gateway.test_merchant, tmp_path)
    del env["PAYGW_API_KEY"], env["PAYGW_API_SECRET"]
    created = run(env, "merchants", "create", "--name", "CLI shop", "--save-profile", "shop", "--json")
    assert created.returncode == 0, created.stderr
    merchant = json.loads(created.stdout)
    profile_file = tmp_path / "profiles.json"
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600
    assert json.loads(profile_file.read_text())["profiles"]["shop"]["api_secret"] == merchant["api_secret"]

    rotated = run(env, "--profile", "shop", "keys", "rotate", "--json")
    assert rotated.returncode == 0, rotated.stderr
    new_secret = json.loads(rotated.stdout)["api_secret"]
    assert new_secret != merchant["api_secret"]
    assert json.loads(profile_file.read_text())["profiles"]["shop"]["api_secret"] == new_secret
    # The rest at once: each its own subprocess.
    runs = {
        "shown": start(env, "--profile", "shop", "profile", "show", "--json"),
        "with_profile": start(env, "--profile", "shop", "tail", "--no-follow", "--json"),
        "wrong": start(
            env, "tail", "--no-follow", "--api-key", merchant["api_key"], "--api-secret", "secret_x", "--json"
        ),
        "unreachable": start(env, "tail", "--no-follow", "--api-url", f"http://127.0.0.1:{free_port()}"),
        "no_profile": start(env, "--profile", "nobody", "tail"),
        "saved": start(env, "profile", "save", "--name", "staging", "--api-url", "https://gw.example.com", "--json"),
    }
    results = {name: finish(process) for name, process in runs.items()}
    shown = json.loads(results["shown"][1])
    assert shown["api_key"] == merchant["api_key"] and new_secret not in json.dumps(shown)
    assert results["with_profile"][0] == 0
    assert results["wrong"][0] == 3 and json.loads(results["wrong"][1])["error"]["status"] == 401
    assert results["unreachable"][0] == 4 and "cannot reach the gateway" in results["unreachable"][2]
    assert results["no_profile"][0] == 2
    assert results["saved"][0] == 0
    profiles = json.loads(profile_file.read_text())["profiles"]
    assert profiles["staging"] == {"api_url": "https://gw.example.com"} and profiles["shop"]["api_secret"] == new_secret
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o600


def test_where_test_endpoints_are_off_trigger_and_merchants_create_repeat_the_gateways_refusal(tmp_path):
    """The gateway's side (a 400 naming test_outcome, a 404 for /test/*) is tested in
    tests/unit/services/test_event_feed.py; here, a stage answering so, without starting one."""
    refusal = {
        "error": {
            "code": "BAD_REQUEST_ERROR",
            "description": "test_outcome is accepted only where test endpoints are enabled (TEST_ENDPOINTS=true)",
            "field": "test_outcome",
        }
    }
    not_found = {"error": {"code": "NOT_FOUND", "description": "Route not found"}}
    order = {"id": "order_0123456789abcdef", "created_at": "2026-12-01T00:00:00.000Z"}
    stub = StubGateway(
        {"/api/v1/orders": (201, order), "/api/v1/payments": (400, refusal), "/api/v1/test/merchants": (404, not_found)}
    )
    try:
        env = environment(None, None, tmp_path, PAYGW_API_URL=stub.url)
        refused = run(env, "trigger", "payment.success")
        assert refused.returncode == 3
        assert "does not accept a per-request test outcome" in refused.stderr and "TEST_ENDPOINTS" in refused.stderr
        no_merchants = run(env, "merchants", "create", "--json")
        assert no_merchants.returncode == 3 and "does not have test endpoints enabled" in no_merchants.stderr
        assert json.loads(no_merchants.stdout)["error"]["status"] == 404
    finally:
        stub.close()


def test_reset_asks_in_a_terminal_and_deletes_only_when_told(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / MARKER).write_text("x")
    # The local stack's URL (the default): reset is for it only.
    env = environment(None, None, tmp_path, LOCAL_STATE_DIR=str(state))

    def in_terminal(answer: bytes) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: its stdin and stdout are the terminal
            os.chdir(ROOT)
            os.execve(sys.executable, [*PAYGW, "reset"], env)
        output = b""
        deadline = time.monotonic() + 30
        answered = False
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break  # the child exited and closed the terminal
                if not chunk:
                    break
                output += chunk
                if not answered and b"[y/N]" in output:
                    os.write(fd, answer + b"\n")
                    answered = True
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), output.decode(errors="replace")

    code, output = in_terminal(b"n")
    assert code == 1 and "nothing deleted" in output and state.exists()
    code, output = in_terminal(b"y")
    assert code == 0 and "Deleted the local state" in output and not state.exists()
    # Without a terminal, only --yes deletes; and never for a gateway elsewhere.
    assert run(env, "reset").returncode == 2
    assert run(env, "reset", "--yes", "--api-url", "https://gateway.example.com").returncode == 2


class StubGateway:
    """A server answering POSTs by path as scripted: for what the session's gateway cannot show
    (another stage's refusal; the /check endpoint until it is on main)."""

    def __init__(self, answers: dict[str, tuple[int, dict]]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                return

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append(self.path)
                status, answer = answers.get(self.path, (404, {"error": {"code": "NOT_FOUND", "description": "x"}}))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def check_report(passed: bool) -> dict:
    cases = [
        ("valid", "accept", 200, True),
        ("duplicate", "accept", 200, True),
        ("tampered_body", "reject", 200 if not passed else 400, not passed),
        ("wrong_signature", "reject", 401, False),
        ("no_signature", "reject", 401, False),
        ("stale_timestamp", "reject", None, False),
    ]
    results = [
        {
            "case": case,
            "expected": expected,
            "status": status,
            "accepted": accepted,
            "passed": accepted == (expected == "accept"),
            "error": "timed out" if status is None else None,
        }
        for case, expected, status, accepted in cases
    ]
    return {"endpoint_id": "we_0123456789abcdef", "passed": passed, "results": results}


@pytest.mark.parametrize("passed", [True, False])
def test_check_endpoint_shows_the_report_and_exits_by_it(tmp_path, passed):
    path = "/api/v1/webhook-endpoints/we_0123456789abcdef/check"
    server = StubGateway({path: (200, check_report(passed))})
    try:
        env = environment(None, None, tmp_path, PAYGW_API_URL=server.url)
        shown = run(env, "check-endpoint", "we_0123456789abcdef")
        assert shown.returncode == (0 if passed else 1)
        assert "tampered_body" in shown.stdout and ("FAIL" in shown.stdout) is not passed
        as_json = run(env, "check-endpoint", "we_0123456789abcdef", "--json")
        assert json.loads(as_json.stdout) == check_report(passed)
        assert server.requests == [path] * 2
    finally:
        server.close()


def test_check_endpoint_against_the_gateways_own_check_catches_a_receiver_that_verifies_nothing(gateway, tmp_path):
    """The real self-check (POST /webhook-endpoints/{id}/check) of a receiver that answers 200 to
    anything: the forged deliveries are accepted, so the command fails and says which."""
    receiver = Receiver()
    try:
        merchant = gateway.new_merchant(webhook_url=receiver.url)
        env = environment(gateway, merchant, tmp_path)
        endpoint_id = default_endpoint_id(merchant.id)
        checked = run(env, "--json", "check-endpoint", endpoint_id)
        assert checked.returncode == 1, checked.stdout + checked.stderr
        report = json.loads(checked.stdout)
        assert report["endpoint_id"] == endpoint_id and report["passed"] is False
        verdicts = {result["case"]: result["passed"] for result in report["results"]}
        assert verdicts["valid"] and verdicts["duplicate"]
        assert not verdicts["tampered_body"] and not verdicts["wrong_signature"] and not verdicts["no_signature"]
        assert len(receiver.received) == len(report["results"])  # each case reached the receiver once
    finally:
        receiver.stop()
