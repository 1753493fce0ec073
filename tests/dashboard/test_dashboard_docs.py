"""The integration guide's snippets are copyable and they work: the curl call creates an order,
and the Node and Python verifiers accept a real delivery signed with the merchant's secret."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

NODE_DRIVER = """
const fs = require('node:fs');
const { verifySignature, verifyStandardWebhook } = require(process.argv[2]);
const sample = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const body = Buffer.from(sample.body, 'base64');
console.log(JSON.stringify({
  hex: verifySignature(body, sample.headers['x-webhook-signature'], sample.secret),
  hexWrongSecret: verifySignature(body, sample.headers['x-webhook-signature'], sample.wrong),
  hexTampered: verifySignature(
    Buffer.concat([body, Buffer.from(' ')]), sample.headers['x-webhook-signature'], sample.secret),
  standard: verifyStandardWebhook(body, sample.headers, sample.secret),
  standardWrongSecret: verifyStandardWebhook(body, sample.headers, sample.wrong),
  standardStale: verifyStandardWebhook(body, sample.headers, sample.secret, -1),
}));
"""


def snippet(page, test_id: str) -> str:
    text = page.get_by_test_id(test_id).text_content()
    assert text and text.strip()
    return text


def test_docs_snippets_are_copyable_and_work_against_the_gateway(
    page, gateway, login, receivers, merchant_api, tmp_path
):
    receiver = receivers()
    merchant = gateway.new_merchant(webhook_url=receiver.url)
    api = merchant_api(merchant)
    login(page, merchant, "/docs")

    docs = page.get_by_test_id("api-docs")
    expect(docs).to_be_visible()
    for test_id in (
        "section-create-order",
        "code-snippet-create-order",
        "section-sdk-integration",
        "code-snippet-sdk",
        "section-webhook-verification",
        "code-snippet-webhook",
    ):
        expect(page.get_by_test_id(test_id)).to_have_count(1)

    # The snippets first show a placeholder key (key_test_...), until the merchant's profile has
    # loaded: wait for the real key, so that the snippet copied is the one read.
    for test_id in ("code-snippet-create-order", "code-snippet-sdk"):
        expect(page.get_by_test_id(test_id)).to_contain_text(merchant.api_key)

    # Copy puts exactly the snippet on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    curl = snippet(page, "code-snippet-create-order")
    page.get_by_test_id("copy-code-snippet-create-order").click()
    expect(page.get_by_test_id("copy-code-snippet-create-order")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == curl
    assert snippet(page, "code-snippet-create-order") == curl, "the snippet changed while it was copied"

    # The curl snippet, with the secret filled in, creates an order on this gateway.
    assert gateway.api_url in curl and merchant.api_key in curl and merchant.api_secret not in curl
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the docs' curl snippet")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", curl.replace("your_api_secret", merchant.api_secret)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    order = json.loads(result.stdout)
    assert (order["amount"], order["currency"], order["status"]) == (50000, "INR", "created")
    assert api.call("GET", f"/api/v1/orders/{order['id']}")["receipt"] == "rcpt_1001"

    sdk = snippet(page, "code-snippet-sdk")
    assert f"{gateway.env.get('CHECKOUT_URL', 'http://127.0.0.1:3001')}/checkout.js" in sdk
    assert "new PaymentGateway(" in sdk and f"key: '{merchant.api_key}'" in sdk and "checkout.open()" in sdk
    assert merchant.api_secret not in sdk

    # A real delivery, signed with this merchant's secret.
    secret = api.call("GET", "/api/v1/merchant/credentials")["webhook_secret"]
    event = api.call("POST", "/api/v1/merchant/webhook/test", 202)
    [delivery] = receiver.wait_for(lambda d: d.headers.get("webhook-id") == event["id"])
    assert "webhook-signature" in delivery.headers, "generated secrets have the whsec_ form"
    wrong = "whsec_" + "A" * 43 + "="

    page.get_by_test_id("tab-python").click()
    expect(page.get_by_test_id("code-snippet-webhook-python")).to_be_visible()
    python_code = snippet(page, "code-snippet-webhook-python")
    namespace: dict = {"__name__": "docs_webhook_snippet"}
    exec(compile(python_code, "webhook.py", "exec"), namespace)  # our own docs
    verify, verify_standard = namespace["verify_signature"], namespace["verify_standard_webhook"]
    signature = delivery.headers["x-webhook-signature"]
    assert verify(delivery.body, signature, secret) is True
    assert verify(delivery.body, signature, wrong) is False
    assert verify(delivery.body + b" ", signature, secret) is False
    assert verify_standard(delivery.body, delivery.headers, secret) is True
    assert verify_standard(delivery.body, delivery.headers, wrong) is False
    assert verify_standard(delivery.body, delivery.headers, secret, tolerance=-1) is False

    page.get_by_test_id("tab-node").click()
    expect(page.get_by_test_id("code-snippet-webhook-node")).to_be_visible()
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the docs' Node snippet (it also builds the dashboard)")
    (tmp_path / "webhook.js").write_text(snippet(page, "code-snippet-webhook-node"))
    (tmp_path / "driver.js").write_text(NODE_DRIVER)
    (tmp_path / "sample.json").write_text(
        json.dumps(
            {
                "body": base64.b64encode(delivery.body).decode(),
                "headers": delivery.headers,
                "secret": secret,
                "wrong": wrong,
            }
        )
    )
    run = subprocess.run(
        [node, str(tmp_path / "driver.js"), str(tmp_path / "webhook.js"), str(tmp_path / "sample.json")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "hex": True,
        "hexWrongSecret": False,
        "hexTampered": False,
        "standard": True,
        "standardWrongSecret": False,
        "standardStale": False,
    }
