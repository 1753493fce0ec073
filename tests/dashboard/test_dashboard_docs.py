"""The integration guide's snippets are copyable and they work: the curl call creates an order, and
the page shows the webhook receivers that tests/integration/test_webhook_docs.py runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

SNIPPETS = (Path(__file__).resolve().parents[2] / "dashboard" / "src" / "snippets.js").as_uri()


def snippet(page, test_id: str) -> str:
    text = page.get_by_test_id(test_id).text_content()
    assert text and text.strip()
    return text


def test_docs_snippets_are_copyable_and_work_against_the_gateway(page, gateway, login, merchant_api):
    merchant = gateway.new_merchant()
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
    # "Copied" shows for 2 s, which a loaded machine can miss: every label the button shows is kept.
    page.evaluate("""() => { const button = document.querySelector('[data-test-id="copy-code-snippet-create-order"]');
        window.copyLabels = [];
        new MutationObserver(() => window.copyLabels.push(button.textContent))
            .observe(button, {subtree: true, childList: true, characterData: true}); }""")
    page.get_by_test_id("copy-code-snippet-create-order").click()
    page.wait_for_function("() => window.copyLabels.length >= 1")
    assert page.evaluate("window.copyLabels")[0] == "Copied"
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

    # The webhook receivers shown are snippets.js's, as tests/integration/test_webhook_docs.py runs
    # them against real deliveries: here, only that the page shows them whole, each in its tab.
    exports = json.loads(
        subprocess.run(
            ["node", "--input-type=module", "-e", f"console.log(JSON.stringify(await import({json.dumps(SNIPPETS)})))"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    )
    for tab, test_id, name in (
        ("tab-python", "code-snippet-webhook-python", "WEBHOOK_PYTHON"),
        ("tab-node", "code-snippet-webhook-node", "WEBHOOK_NODE"),
    ):
        page.get_by_test_id(tab).click()
        expect(page.get_by_test_id(test_id)).to_be_visible()
        assert snippet(page, test_id) == exports[name]
