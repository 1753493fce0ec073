"""Enumerated settings are validated, never guessed: a value outside the accepted ones is an error
that names the variable and lists what it accepts (chalicelib/config.py, infra/local/stack.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.config import ConfigError, flag_value
from infra.local.stack import CONFIGURATION_EXIT, configuration_problems

ROOT = Path(__file__).resolve().parents[2]
DEV = {"ALLOW_DEV_SESSION_SECRET": "true"}  # make run's own: without it (or a secret) the stack stops


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), (" on ", True), ("no", False),
                                               ("0", False), ("", True), (None, True)])  # fmt: skip
def test_flags_accept_the_usual_words_and_default_when_unset(raw, expected):
    assert flag_value("TEST_MODE", raw, True) is expected


@pytest.mark.parametrize("raw", ["maybe", "ture", "2", "enabled"])
def test_any_other_flag_value_is_an_error_naming_it(raw):
    with pytest.raises(ConfigError) as caught:
        flag_value("TEST_MODE", raw, False)
    assert "TEST_MODE" in str(caught.value) and repr(raw) in str(caught.value) and "false" in str(caught.value)


def test_the_stack_lists_every_bad_setting_with_what_it_accepts():
    problems = configuration_problems({"EMULATOR": "off", "EMULATOR_TUNING": "fast", "TEST_MODE": "maybe", **DEV})
    assert len(problems) == 3, problems
    assert problems[0].startswith("EMULATOR must be one of auto, moto, none") and "'off'" in problems[0]
    assert problems[1].startswith("EMULATOR_TUNING must be one of") and "'fast'" in problems[1]
    assert problems[2].startswith("TEST_MODE must be one of") and "'maybe'" in problems[2]
    assert configuration_problems({"WEBHOOK_TIMEOUT_SECONDS": "5s", **DEV}) == [
        "WEBHOOK_TIMEOUT_SECONDS must be a number, not '5s'"
    ]
    assert configuration_problems({"SQS_PAYMENTS_BATCH_SIZE": "0", **DEV}) == [
        "SQS_PAYMENTS_BATCH_SIZE must be from 1 to 10, not 0"
    ]
    assert configuration_problems({"EMULATOR": "none", "TEST_MODE": "true", **DEV}) == []
    assert configuration_problems({"EMULATOR": "none"}) == [
        "SESSION_SECRET is not set: set it to a random value of 32 characters or more (e.g. `openssl rand -hex 32`), "
        "or set ALLOW_DEV_SESSION_SECRET=true on a local stage to sign sessions with a well-known development secret"
    ]


def test_make_runs_supervisor_stops_at_once_on_an_unknown_emulator_mode():
    env = {**os.environ, "EMULATOR": "bogus", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "infra.local.stack"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == CONFIGURATION_EXIT, done.stdout + done.stderr
    assert "EMULATOR must be one of auto, moto, none" in done.stdout and "Traceback" not in done.stderr
    assert "starting" not in done.stdout  # nothing was started
