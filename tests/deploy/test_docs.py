"""docs/deploy.md's commands that write the front ends' /config.js for static hosting still work
with the servers' current functions."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.support.stack import ROOT, base_env

API_URL = "https://abc123.execute-api.ap-south-1.amazonaws.com/api"
CHECKOUT_URL = "https://checkout.example.com"


def config_commands() -> list[str]:
    text = (ROOT / "docs" / "deploy.md").read_text()
    return re.findall(r"\.venv/bin/python -c '([^']+)'", text)


def test_the_docs_write_both_config_scripts():
    scripts = config_commands()
    assert len(scripts) == 2
    outputs = []
    for script in scripts:
        done = subprocess.run(
            [sys.executable, "-c", script, API_URL, CHECKOUT_URL],
            cwd=ROOT,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    dashboard, checkout = outputs
    assert dashboard.startswith("window.__DASHBOARD_CONFIG__") and API_URL in dashboard and CHECKOUT_URL in dashboard
    assert checkout.startswith("window.PAYGW_CHECKOUT_CONFIG") and API_URL in checkout
