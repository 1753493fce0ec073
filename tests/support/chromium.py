"""Debian's chromium for the browser tests, never a downloaded one (no `playwright install`)."""

from __future__ import annotations

import os
import shutil
import weakref

import pytest
from playwright.sync_api import expect

from tests.support.axe import AxeGate

# One deadline for actions and for `expect` (whose own default is 5 s): on CI's 2 cores, with
# several stacks starting beside it, a page's first order load through the demo server, the
# gateway and the iframe took longer than 5 s once, and the test failed though nothing was wrong.
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)

GATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # page -> its AxeGate

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("CHROMIUM_PATH"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def launch_args(base: dict) -> dict:
    """pytest-playwright's launch options pointed at chromium. Without it, CI=true fails the test
    (a browser test that cannot run must not pass as skipped); elsewhere it skips."""
    executable = find_chromium()
    if executable is None:
        message = "chromium not found (apt-get install chromium, or set CHROMIUM_PATH); never `playwright install`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {**base, "executable_path": executable, "args": CHROMIUM_ARGS, "headless": True}


def guarded(page):
    """Yield `page`, then fail the test on an uncaught script error or a CSP violation it saw, or
    on a serious or critical accessibility violation in a page it visited (tests/support/axe.py)."""
    gate = AxeGate(page)
    gate.watch_navigations()
    GATES[page] = gate
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.set_default_timeout(WAIT_MS)
    yield page
    gate.check("at the end of the test")
    assert not problems, problems
    assert not gate.findings, gate.report()


def axe_check(page, where: str = "") -> None:
    """Runs the accessibility gate on `page` now, at a point where it is ready (its findings fail
    the test at its end, with the others)."""
    GATES[page].check(where)
