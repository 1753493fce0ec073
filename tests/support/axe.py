"""The accessibility gate of the browser suites (tests/browser and tests/dashboard): axe-core.

axe-core comes from npm, as a devDependency of the dashboard: the tests read
dashboard/node_modules/axe-core/axe.min.js (installed by `npm ci` in dashboard/, which `make test`
and the dashboard suite's conftest run). It is injected into a page only when the page is checked,
through the DevTools protocol (so the pages' Content Security Policy does not apply to it), and
it runs in every frame of the page separately (`iframes: false`): no messages between frames,
which the checkout's embedding code would have to tell apart from its own.

`guarded()` in tests/support/chromium.py checks every page a test visits: before each
`page.goto` leaves a page and at the end of the test, plus wherever a test calls `check()` at a
point where a page is ready (the dashboard's client-side routes change without a `goto`).
Violations whose impact is serious or critical fail the test, with the rule id, impact, target
and help of each.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[2]
AXE_SOURCE = REPO / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
# AXE_FAIL_IMPACTS=moderate,serious,critical makes the gate stricter for a run.
FAILING_IMPACTS = tuple(os.environ.get("AXE_FAIL_IMPACTS", "serious,critical").split(","))

RUN_AXE = """async () => {
  const result = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""

# A frame that navigates away or goes while it is checked has nothing left to check.
GONE = ("Execution context was destroyed", "Frame was detached", "Target closed", "has been closed")


@functools.cache
def axe_source() -> str:
    if not AXE_SOURCE.is_file():
        raise AssertionError(f"{AXE_SOURCE} is missing: run `npm ci` in dashboard/ (axe-core is a devDependency there)")
    return AXE_SOURCE.read_text()


def violations_in(frame) -> list[dict]:
    """axe-core's violations in one frame's document (its child frames are checked on their own)."""
    if not frame.evaluate("() => typeof window.axe === 'object'"):
        frame.evaluate(axe_source())
    return frame.evaluate(RUN_AXE)


@dataclass
class AxeGate:
    page: object
    findings: list[str] = field(default_factory=list)

    def check(self, where: str = "") -> None:
        """Runs axe-core in every frame of the page now; failing violations are kept for the report."""
        if self.page.is_closed():
            return
        for frame in self.page.frames:
            if not frame.url.startswith(("http://", "https://")):
                continue
            try:
                found = violations_in(frame)
            except PlaywrightError as error:
                if any(marker in str(error) for marker in GONE):
                    continue
                raise
            for violation in found:
                if violation["impact"] in FAILING_IMPACTS:
                    self.findings.append(describe(violation, frame.url, where))

    def watch_navigations(self) -> None:
        """Checks the page that each `page.goto` is about to leave."""
        goto = self.page.goto

        def checked_goto(*args, **kwargs):
            self.check("before leaving it")
            return goto(*args, **kwargs)

        self.page.goto = checked_goto

    def report(self) -> str:
        unique = list(dict.fromkeys(self.findings))
        impacts = " or ".join(FAILING_IMPACTS)
        return f"accessibility violations (axe-core, impact {impacts}):\n" + "\n".join(unique)


def describe(violation: dict, url: str, where: str) -> str:
    targets = ", ".join(violation["targets"][:5]) + (" …" if len(violation["targets"]) > 5 else "")
    place = f"{url} ({where})" if where else url
    return (
        f"- {violation['id']} [{violation['impact']}] on {place}: {violation['help']}\n"
        f"    targets: {targets}\n    help: {violation['helpUrl']}"
    )
