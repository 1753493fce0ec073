"""Every webhook receiver the project publishes, run against real deliveries: docs/webhooks.md's
Python and Node blocks, the dashboard's snippets (read from dashboard/src/snippets.js by node
itself, so the text is the one the page shows) and the example receiver `make run` starts.

The session's stack sends real deliveries to a recording receiver: two `webhook.test` events of a
merchant with a generated (Standard Webhooks) secret, two of the seeded merchant (whose secret is
not base64: hex signature only), and a manual retry of the first of each (same `webhook-id`, same
body, a fresh timestamp). The test then relays each recorded request, byte for byte, to every
receiver running as its own process, and the variants an attacker can make of a captured one:
re-signed 6 minutes old or ahead, stripped of a Standard Webhooks header, a changed body. What a
receiver processed is what it printed (`processed ...`). Each receiver then passes the gateway's
own receiver self-check (POST /api/v1/webhook-endpoints/{id}/check), with both kinds of secret.
The rotation cases sign with two secrets as the rotation design (docs/webhooks.md, "Rotating a
secret") says deliveries are signed.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from chalicelib.domain import signing
from chalicelib.domain.endpoints import default_endpoint_id
from chalicelib.domain.events import encode_payload
from infra.local import receiver as example_receiver
from infra.local.stack import stack_environment
from tests.support.api import Api
from tests.support.ports import free_port
from tests.support.receiver import Received, Receiver
from tests.support.stack import ROOT, TEST_MERCHANT, base_env
from tests.support.waiting import eventually

DOC = (ROOT / "docs" / "webhooks.md").read_text()
SNIPPETS_JS = ROOT / "dashboard" / "src" / "snippets.js"
DOC_BLOCKS = re.findall(r"^```(python|js)\n(.*?)^```", DOC, re.S | re.M)
DASHBOARD_EXPORTS = re.findall(r"^export const (WEBHOOK_\w+) = `", SNIPPETS_JS.read_text(), re.M)
HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "accept-encoding"}


@dataclass(frozen=True)
class Program:
    """One published receiver: where it comes from, its language, and its text (none for the
    example receiver, which runs as its module)."""

    name: str
    language: str  # "python" or "node"
    source: str | None


def doc_programs() -> list[Program]:
    return [Program(f"docs-{_language(fence)}", _language(fence), text) for fence, text in DOC_BLOCKS]


def _language(fence: str) -> str:
    return "node" if fence == "js" else "python"


def dashboard_programs() -> list[Program]:
    script = f"const m = await import({json.dumps(SNIPPETS_JS.as_uri())}); console.log(JSON.stringify(m));"
    exports = json.loads(
        subprocess.run(
            ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    )
    return [
        Program(f"dashboard-{name}", "node" if name.endswith("_NODE") else "python", exports[name])
        for name in DASHBOARD_EXPORTS
    ]


PROGRAM_NAMES = [
    *(f"docs-{_language(fence)}" for fence, _ in DOC_BLOCKS),
    *(f"dashboard-{name}" for name in DASHBOARD_EXPORTS),
    "example-receiver",
]


@pytest.fixture(scope="module")
def programs() -> dict[str, Program]:
    found = [*doc_programs(), *dashboard_programs(), Program("example-receiver", "python", None)]
    return {program.name: program for program in found}


def test_every_published_receiver_is_run_here():
    """A block or an export added, renamed or lost in an edit must not leave a receiver untested."""
    assert sorted(fence for fence, _ in DOC_BLOCKS) == ["js", "python"], "one receiver per language in the docs"
    assert sorted(DASHBOARD_EXPORTS) == ["WEBHOOK_NODE", "WEBHOOK_PYTHON"]
    assert len(set(PROGRAM_NAMES)) == len(PROGRAM_NAMES) == 5


def test_the_sample_receivers_listen_beside_make_run(programs):
    """Their default port is none of the local stack's, so they run while `make run` is up."""
    taken = {int(value) for name, value in stack_environment({}).items() if name.endswith("_PORT")}
    assert 4000 in taken, "the example receiver's port"
    for program in programs.values():
        if program.source is not None:
            [port] = re.findall(r"""PORT(?:", "| \|\| )(\d+)""", program.source)
            assert int(port) not in taken, (program.name, port, taken)


# --- running a receiver ---------------------------------------------------------------------------


@dataclass
class Running:
    url: str
    log: Path

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        return requests.post(self.url, data=body, headers=headers, timeout=10).status_code

    def processed(self, event: str = "webhook.test") -> int:
        """How many `event`s it processed. Only the event a test sends counts: the seeded merchant
        is shared, and while a test points it at a receiver, another test's payment may deliver
        its events there too."""
        return len(re.findall(rf"^(?:receiver: )?processed {re.escape(event)} ", self.log.read_text(), re.M))


@contextmanager
def running(program: Program, secret_list: list[str], workdir: Path, credentials: tuple[str, str], api_url: str):
    port = free_port()
    env = {**base_env(), "PORT": str(port), "WEBHOOK_SECRETS": ",".join(secret_list)}
    if program.source is None:
        command = [sys.executable, "-u", "-m", "infra.local.receiver"]
        env.update(
            RECEIVER_PORT=str(port),
            API_URL=api_url,
            RECEIVER_API_KEY=credentials[0],
            RECEIVER_API_SECRET=credentials[1],
        )
    else:
        path = workdir / ("webhook.js" if program.language == "node" else "webhook.py")
        path.write_text(program.source)
        command = ["node", str(path)] if program.language == "node" else [sys.executable, "-u", str(path)]
    log = workdir / f"{program.name}-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            eventually(lambda: _listening(port) or process.poll() is not None, timeout=15, message=program.name)
            assert process.poll() is None, log.read_text()
            yield Running(f"http://127.0.0.1:{port}/webhook", log)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _listening(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except requests.ConnectionError:
        return False


# --- real deliveries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Captured:
    secret: str
    credentials: tuple[str, str]
    first: Received  # a webhook.test
    retried: Received  # the first's manual retry: same webhook-id and body, fresh timestamp
    second: Received  # another webhook.test
    api: Api  # the merchant's, for the receiver self-check


def _received(recorder: Receiver, event_id: str, count: int) -> Received:
    found = eventually(
        lambda: len(f := [r for r in recorder.events() if r.headers.get("webhook-id") == event_id]) >= count and f,
        timeout=60,  # generous: only a failure waits it out, and CI's 2 cores are loaded
        message=f"delivery {count} of {event_id}",
    )
    return found[count - 1]


def capture(api: Api, recorder: Receiver, secret: str, point=lambda: None) -> Captured:
    """Two test events and a manual retry of the first. `point` (re)points the merchant at the
    recorder before each send: the seeded merchant is shared with other tests."""
    sent = []
    for _ in range(2):
        point()
        response = api.post("/api/v1/merchant/webhook/test")
        assert response.status_code == 202, response.text
        sent.append(response.json()["id"])
        # Test events differ only by their time, in seconds: the hex scheme's key needs another.
        second = int(time.time())
        eventually(lambda second=second: int(time.time()) > second, message="the next second")
    first, second = (_received(recorder, event_id, 1) for event_id in sent)
    # Retried once its first attempt is recorded, so that the retry is the only second POST.
    eventually(
        lambda: api.get(f"/api/v1/webhooks/{sent[0]}").json()["status"] == "success", timeout=60, message="delivered"
    )
    point()
    response = api.post(f"/api/v1/webhooks/{sent[0]}/retry")
    assert response.status_code == 200, response.text
    retried = _received(recorder, sent[0], 2)
    assert retried.body == first.body and retried.headers["webhook-id"] == first.headers["webhook-id"]
    return Captured(secret, (api.merchant.api_key, api.merchant.api_secret), first, retried, second, api)


@pytest.fixture(scope="module")
def recorder() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def standard(gateway, recorder) -> Captured:
    merchant = gateway.new_merchant(recorder.url)
    assert merchant.webhook_secret and signing.is_standard_secret(merchant.webhook_secret)
    captured = capture(Api(gateway, merchant), recorder, merchant.webhook_secret)
    assert "webhook-signature" in captured.first.headers
    return captured


@pytest.fixture(scope="module")
def hex_only(gateway, recorder) -> Iterator[Captured]:
    api = Api(gateway, gateway.test_merchant)
    try:
        captured = capture(api, recorder, TEST_MERCHANT.webhook_secret or "", lambda: api.set_webhook(recorder.url))
    finally:
        api.set_webhook(None)
    assert "webhook-signature" not in captured.first.headers
    yield captured


def self_check(api: Api, url: str) -> dict:
    """The gateway's receiver self-check (POST /api/v1/webhook-endpoints/{id}/check) of the
    merchant's default endpoint, pointed at `url` first."""
    api.set_webhook(url)
    response = api.post(f"/api/v1/webhook-endpoints/{default_endpoint_id(api.merchant.id)}/check")
    assert response.status_code == 200, response.text
    return response.json()


def relayed(received: Received, **changes: str | None) -> dict[str, str]:
    """The recorded request's own headers (minus hop-by-hop ones), with `changes` applied: None drops."""
    headers = {name: value for name, value in received.headers.items() if name.lower() not in HOP_BY_HOP}
    for name, value in changes.items():
        name = name.replace("_", "-")
        headers = {k: v for k, v in headers.items() if k.lower() != name}
        if value is not None:
            headers[name] = value
    return headers


def resigned(received: Received, secret: str, timestamp: int) -> dict[str, str]:
    """What the gateway would have sent at `timestamp`: a valid signature, only the time differs."""
    standard = signing.standard_headers(secret, received.headers["webhook-id"], timestamp, received.body.decode())
    return relayed(received, **{name.replace("-", "_"): value for name, value in standard.items()})


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROGRAM_NAMES)
def test_a_receiver_processes_each_delivery_once_and_refuses_replays(
    name, programs, standard, hex_only, gateway, tmp_path
):
    program = programs[name]
    # Standard Webhooks: the timestamped signature is mandatory; each webhook-id is processed once.
    with running(program, [standard.secret], tmp_path, standard.credentials, gateway.api_url) as receiver:
        first, now = standard.first, int(time.time())
        refused = {
            "stale": resigned(first, standard.secret, now - 6 * 60),
            "ahead": resigned(first, standard.secret, now + 6 * 60),
            "no webhook-signature": relayed(first, webhook_signature=None),
            "no webhook-timestamp": relayed(first, webhook_timestamp=None),
            "no webhook-id": relayed(first, webhook_id=None),
            "another id": relayed(first, webhook_id="evt_" + "x" * 16),
            "forged": relayed(first, webhook_signature="v1," + base64.b64encode(secrets.token_bytes(32)).decode()),
            "malformed": relayed(first, webhook_signature="garbage"),
        }
        answers = {case: receiver.post(first.body, headers) for case, headers in refused.items()}
        answers["changed body"] = receiver.post(first.body.replace(b"webhook.test", b"payment.success"), relayed(first))
        assert all(400 <= status < 500 for status in answers.values()), answers
        assert receiver.processed() == 0, "a refused delivery was processed"

        assert receiver.post(first.body, relayed(first)) == 200
        assert receiver.processed() == 1
        assert receiver.post(standard.retried.body, relayed(standard.retried)) == 200, "a duplicate gets its 2xx"
        assert receiver.post(first.body, relayed(first)) == 200, "the captured request, re-sent at once"
        assert receiver.processed() == 1, "a duplicate webhook-id was processed again"
        assert receiver.post(standard.second.body, relayed(standard.second)) == 200
        assert receiver.processed() == 2, "another event is processed"

        report = self_check(standard.api, receiver.url)
        assert report["passed"] is True, report
        assert [line["case"] for line in report["results"]] == [
            "valid",
            "duplicate",
            "tampered_body",
            "wrong_signature",
            "no_signature",
            "stale_timestamp",
        ]
        assert receiver.processed() == 3, "the check's valid event is processed once, its duplicate not"

    # The hex scheme: the body alone is signed, so the receiver processes each (event, entity) once.
    with running(program, [hex_only.secret], tmp_path, hex_only.credentials, gateway.api_url) as receiver:
        first = hex_only.first
        assert 400 <= receiver.post(first.body.replace(b"webhook.test", b"payment.success"), relayed(first)) < 500
        assert 400 <= receiver.post(first.body, relayed(first, x_webhook_signature=None)) < 500
        assert 400 <= receiver.post(first.body, relayed(first, x_webhook_signature="é" * 64)) < 500
        assert receiver.processed() == 0
        assert receiver.post(first.body, relayed(first)) == 200
        assert receiver.post(hex_only.retried.body, relayed(hex_only.retried)) == 200
        # Replayed with a webhook-id of the attacker's choosing: it is not signed, so it is no key.
        assert receiver.post(first.body, relayed(first, webhook_id="evt_" + "y" * 16)) == 200
        assert receiver.processed() == 1, "a replay was processed again"
        assert receiver.post(hex_only.second.body, relayed(hex_only.second)) == 200
        assert receiver.processed() == 2, "another event is processed"

        try:
            report = self_check(hex_only.api, receiver.url)
        finally:
            hex_only.api.set_webhook(None)  # the seeded merchant is shared with other tests
        assert report["passed"] is True, report
        assert "stale_timestamp" not in [line["case"] for line in report["results"]], "hex signs no time"
        assert receiver.processed() == 3


# --- rotation -------------------------------------------------------------------------------------

NODE_DRIVER = """
const { verify } = require(process.argv[2]);
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map((c) => Boolean(verify(Buffer.from(c.body, 'base64'), c.headers, c.secrets)))));
"""


def rotation_cases() -> list[tuple[str, bytes, dict[str, str], list[str], bool]]:
    """(case, body, headers, the receiver's secrets, whether it must accept), for deliveries signed
    as docs/webhooks.md says: during an overlap webhook-signature carries `v1,<new> v1,<old>`,
    X-Webhook-Signature stays on the old secret and X-Webhook-Signature-New carries the new one's."""
    old, new = (f"whsec_{base64.b64encode(secrets.token_bytes(32)).decode()}" for _ in range(2))
    legacy = "whsec_test_abc123"  # not base64: hex only
    body = encode_payload("payment.success", int(time.time()) - 3600, {"payment": {"id": "pay_rotation000001"}})
    raw, now = body.encode(), int(time.time())

    def signed(message_id: str, standard: list[str], hex_secret: str, hex_new: str | None = None) -> dict[str, str]:
        headers = {"webhook-id": message_id, "webhook-timestamp": str(now)}
        if standard:
            headers["webhook-signature"] = " ".join(
                signing.standard_headers(s, message_id, now, body)["webhook-signature"] for s in standard
            )
        headers["X-Webhook-Signature"] = signing.hex_signature(raw, hex_secret)
        if hex_new:
            headers["X-Webhook-Signature-New"] = signing.hex_signature(raw, hex_new)
        return headers

    overlap = signed("evt_overlap0000001", [new, old], old, new)
    promoted = signed("evt_promoted000001", [new], new)
    from_legacy = signed("evt_fromlegacy0001", [new], legacy, new)  # the old secret cannot sign v1
    return [
        ("overlap, old secret", raw, overlap, [old], True),
        ("overlap, new secret", raw, overlap, [new], True),
        ("overlap, both", raw, overlap, [new, old], True),
        ("promoted, new secret", raw, promoted, [new], True),
        ("promoted, both", raw, promoted, [new, old], True),
        ("promoted, old secret only", raw, promoted, [old], False),
        ("from a hex secret, old secret", raw, from_legacy, [legacy], True),
        ("from a hex secret, new secret", raw, from_legacy, [new], True),
        ("from a hex secret, both", raw, from_legacy, [new, legacy], True),
        ("from a hex secret, v1 stripped", raw, {**from_legacy, "webhook-signature": ""}, [new, legacy], False),
        ("another secret", raw, overlap, [f"whsec_{base64.b64encode(b'x' * 32).decode()}"], False),
    ]


def verdicts(program: Program, cases, workdir: Path) -> list[bool]:
    if program.source is None:
        return [_example_accepts(body, headers, secret_list) for _, body, headers, secret_list, _ in cases]
    if program.language == "python":
        namespace: dict = {"__name__": "published_snippet"}
        exec(compile(program.source, f"{program.name}.py", "exec"), namespace)  # our own published code
        return [bool(namespace["verify"](body, headers, secret_list)) for _, body, headers, secret_list, _ in cases]
    (workdir / "webhook.js").write_text(program.source)
    (workdir / "driver.js").write_text(NODE_DRIVER)
    payload = [
        {"body": base64.b64encode(b).decode(), "headers": {k.lower(): v for k, v in h.items()}, "secrets": s}
        for _, b, h, s, _ in cases
    ]
    done = subprocess.run(
        ["node", str(workdir / "driver.js"), str(workdir / "webhook.js")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


def _example_accepts(body: bytes, headers: dict[str, str], secret_list: list[str]) -> bool:
    try:
        example_receiver.verify(body, headers, secret_list)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize("name", PROGRAM_NAMES)
def test_a_receiver_verifies_with_either_secret_during_a_rotation(name, programs, tmp_path):
    cases = rotation_cases()
    got = dict(zip([case[0] for case in cases], verdicts(programs[name], cases, tmp_path), strict=True))
    assert got == {case[0]: case[4] for case in cases}
