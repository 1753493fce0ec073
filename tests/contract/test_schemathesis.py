"""schemathesis against the live API, driven by the API's own /openapi.json.

Every operation gets boundary ("coverage") cases and fuzzed requests, valid and invalid, sent with a
fresh merchant's credentials; the stateful phase then follows the document's links (create an
order, pay it, capture, refund, read each back). Every answer must be a non-5xx whose status,
content type, headers and body the document describes; invalid input must be refused with a 4xx;
undeclared methods must get a 405 with Allow; and credentials must be required where declared.
Settings are in schemathesis.toml beside this file; the CLI runs them, as a developer would.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.stack import ROOT

from .conftest import with_known_values

HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "contract"  # the CLI's output and its JSON report, kept for CI
MIN_REQUESTS = 1000
MIN_ACCEPTED = 300  # 2xx answers: requests that got past validation, authentication and lookup


@pytest.mark.timeout(600)
def test_schemathesis_finds_no_failures(contract_gateway, contract_merchant, known, tmp_path):
    api = contract_gateway.api_url
    served = requests.get(api + "/openapi.json", timeout=10)
    assert served.status_code == 200
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(with_known_values(served.json(), known)))
    login = requests.post(
        api + "/api/v1/dashboard/login",
        timeout=10,
        json={"email": contract_merchant.email, "password": contract_merchant.password},
    )
    assert login.status_code == 200, login.text

    env = {
        **os.environ,
        "CONTRACT_API_KEY": contract_merchant.api_key,
        "CONTRACT_API_SECRET": contract_merchant.api_secret,
        "CONTRACT_SESSION_TOKEN": login.json()["token"],
    }
    started = time.monotonic()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--no-color",
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            "--url",
            api,
            str(document),
            "--report",
            "har,json",
            "--report-dir",
            str(tmp_path),
            "--report-har-path",
            str(tmp_path / "requests.har"),
            "--report-json-path",
            str(tmp_path / "run.json"),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=540,
    )
    elapsed = time.monotonic() - started
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert (tmp_path / "requests.har").exists(), run.stdout[-20000:] + run.stderr[-5000:]

    entries = json.loads((tmp_path / "requests.har").read_text())["log"]["entries"]
    statuses = collections.Counter(entry["response"]["status"] for entry in entries)
    summary = (
        f"schemathesis sent {len(entries)} requests in {elapsed:.0f} s; "
        f"answers by status: {dict(sorted(statuses.items()))}"
    )
    print("\n" + summary)
    (ARTIFACTS / "schemathesis.txt").write_text(run.stdout + run.stderr + "\n" + summary + "\n")
    assert run.returncode == 0, f"{summary}\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    phases = json.loads((tmp_path / "run.json").read_text())["phases"]
    assert {name: phases[name]["status"] for name in ("coverage", "fuzzing", "stateful")} == {
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }, phases
    assert not [status for status in statuses if status >= 500], summary
    assert len(entries) >= MIN_REQUESTS, summary
    assert sum(count for status, count in statuses.items() if 200 <= status < 300) >= MIN_ACCEPTED, summary
