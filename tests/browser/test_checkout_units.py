"""The checkout's JavaScript unit tests (validation, money, API client, polling), run by Node's
own test runner so that `make test` runs them too."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2] / "checkout"


def test_checkout_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (20 or later) is needed for the checkout's unit tests", pytrace=False)
    run = subprocess.run([node, "--test", "test/"], cwd=CHECKOUT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# pass 0" not in run.stdout
