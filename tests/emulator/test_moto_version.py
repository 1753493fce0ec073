"""An unsupported moto stops the emulator, and `make run`'s supervisor, at once with a message
naming both versions and what to do: no traceback, no restart loop.

The installed version is faked in each subprocess by a sitecustomize module that answers
importlib.metadata.version("moto") with 5.2.1, the moto whose server lacks what the patches need."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.local.moto_version import SUPPORTED_MOTO, UNSUPPORTED_MOTO_EXIT
from infra.local.stack import Child, Supervisor
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
FAKE = "5.2.1"
SITECUSTOMIZE = f"""
import importlib.metadata

_version = importlib.metadata.version


def version(name):
    return {FAKE!r} if name.lower() == "moto" else _version(name)


importlib.metadata.version = version
"""


@pytest.fixture
def old_moto_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STAGE", "EMULATOR"))}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    for name in (
        "EMULATOR_PORT",
        "DYNAMODB_LOCAL_PORT",
        "API_PORT",
        "RECEIVER_PORT",
        "CHECKOUT_PORT",
        "DASHBOARD_PORT",
    ):
        env[name] = str(free_port())
    return env


def assert_explains(output: str) -> None:
    assert FAKE in output, output
    for supported in SUPPORTED_MOTO:
        assert supported in output, output
    assert "pip install 'moto[server]==" in output and "make clean && make run" in output, output
    assert "Traceback" not in output, output


def run(module: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - started


def test_the_fake_takes_effect(old_moto_env):
    done = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m; print(m.version('moto'))"],
        env=old_moto_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.stdout.strip() == FAKE


def test_the_emulator_refuses_an_unsupported_moto(old_moto_env):
    done, seconds = run("infra.local.emulator", old_moto_env)
    assert done.returncode == UNSUPPORTED_MOTO_EXIT
    assert_explains(done.stdout + done.stderr)
    assert seconds < 10  # it never imported moto's server, let alone served


def test_make_run_stops_at_once_on_an_unsupported_moto(old_moto_env):
    done, seconds = run("infra.local.stack", old_moto_env)
    output = done.stdout + done.stderr
    assert done.returncode == UNSUPPORTED_MOTO_EXIT, output
    assert_explains(output)
    assert "starting the embedded AWS emulator" not in output  # checked before starting anything
    assert seconds < 15


def test_the_supervisor_never_restarts_an_emulator_that_refused_its_moto(old_moto_env):
    """Even a child marked for restarts: the exit code says restarting would fail the same way."""
    supervisor = Supervisor(old_moto_env)
    child = Child("emulator", "infra.local.emulator", restart=True)
    supervisor.start(child)
    try:
        started = time.monotonic()
        assert supervisor.watch() == UNSUPPORTED_MOTO_EXIT
        assert child.restarts == 0
        assert time.monotonic() - started < 15
    finally:
        supervisor.stop_all()
