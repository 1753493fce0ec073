"""The verification snippets in docs/webhooks.md, run against real deliveries."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from razorpay.errors import SignatureVerificationError

from tests.support.api import Api

DOC = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()


def snippet(language: str) -> str:
    return re.search(rf"```{language}\n(.*?)```", DOC, re.S).group(1)


@pytest.fixture
def delivery(gateway, receiver):
    api = Api(gateway, gateway.new_merchant(receiver.url))
    payment = api.paid()
    [received] = receiver.wait_for("payment.success", payment["id"])
    return received, api.merchant.webhook_secret


def test_the_python_snippet_verifies_a_delivery_and_rejects_a_forgery(delivery):
    received, secret = delivery
    namespace: dict = {"json": json}
    exec(snippet("python"), namespace)
    assert namespace["verify"](received.body, received.headers, secret)["event"] == "payment.success"
    with pytest.raises(SignatureVerificationError):
        namespace["verify"](received.body.replace(b"success", b"failure"), received.headers, secret)
    with pytest.raises(SignatureVerificationError):
        namespace["verify"](received.body, received.headers, "whsec_" + "A" * 43 + "=")


def test_the_node_snippet_verifies_a_delivery_and_rejects_a_forgery(delivery, tmp_path):
    received, secret = delivery
    script = tmp_path / "verify.js"
    script.write_text(
        snippet("js")
        + """
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const headers = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
try { verify(input.body, headers, input.secret); console.log("ok"); } catch (e) { console.log("rejected"); }
"""
    )

    def run(body: str, key: str) -> str:
        payload = json.dumps({"body": body, "headers": received.headers, "secret": key})
        return subprocess.run(
            ["node", str(script)], input=payload, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert run(received.body.decode(), secret) == "ok"
    assert run(received.body.decode().replace("success", "failure"), secret) == "rejected"
    assert run(received.body.decode(), "whsec_" + "A" * 43 + "=") == "rejected"
