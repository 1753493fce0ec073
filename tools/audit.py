"""`make audit`: known vulnerabilities in what the gateway ships and runs, from the lockfiles.

    python -m tools.audit

- Python: pip-audit over the three hashed lockfiles (requirements.txt is what Lambda runs). PyPI's
  advisory data carries no severity, so every known vulnerability fails the audit, stricter than
  "high or critical"; an accepted one goes in AUDIT_IGNORE with the reason beside it.
- npm: `npm audit --omit=dev --audit-level=high` in each front end (what reaches the browser) and
  in infra/dynamodb_local (the embedded database).

Written here rather than as two lines in the Makefile because an audit must tell "no known
vulnerability" from "nobody could be asked": a registry mirror without the advisory endpoints
answers neither (pip-audit skips every package as "not found", npm audit gets a 4xx). That case
prints NOT AUDITED with the reason and fails only when AUDIT_REQUIRED=1, so a machine that can reach
the advisory services enforces the audit while one that cannot says plainly that it did not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCKFILES = ("requirements.txt", "requirements-local.txt", "requirements-dev.txt")
NPM_PACKAGES = ("checkout", "dashboard", "infra/dynamodb_local")
# Vulnerability ids accepted on purpose, each with why: {"GHSA-...": "reason"}.
AUDIT_IGNORE: dict[str, str] = {}
FAILING_NPM_SEVERITIES = ("high", "critical")


@dataclass
class Verdict:
    """One audit's result: findings fail it; `unaudited` says why it could not be done."""

    name: str
    findings: list[str] = field(default_factory=list)
    unaudited: str | None = None


def pip_verdict(name: str, report: dict) -> Verdict:
    """pip-audit's JSON report: a vulnerability is a finding unless ignored on purpose."""
    verdict = Verdict(name)
    if "error" in report or "dependencies" not in report:
        verdict.unaudited = str(report.get("error", {}).get("summary") or "pip-audit gave no report")
        return verdict
    dependencies = report["dependencies"]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    if dependencies and len(skipped) == len(dependencies):
        verdict.unaudited = f"no package could be looked up ({skipped[0]['skip_reason']})"
        return verdict
    for dep in dependencies:
        for vuln in dep.get("vulns", []):
            if vuln["id"] not in AUDIT_IGNORE:
                fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
                verdict.findings.append(f"{dep['name']} {dep.get('version')}: {vuln['id']} (fixed in {fixes})")
    return verdict


def npm_verdict(name: str, report: dict) -> Verdict:
    """npm audit's JSON report (auditReportVersion 2), or its error object."""
    verdict = Verdict(name)
    if "error" in report:
        error = report["error"]
        verdict.unaudited = report.get("message") or error.get("summary") or error.get("detail") or str(error)
        return verdict
    for package, vuln in sorted(report.get("vulnerabilities", {}).items()):
        if vuln.get("severity") in FAILING_NPM_SEVERITIES:
            verdict.findings.append(f"{package}: {vuln['severity']} ({vuln.get('range', '')})")
    return verdict


def _json_of(command: list[str], cwd: Path) -> dict:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    try:
        parsed = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return {"error": {"code": f"exit {done.returncode}", "summary": (done.stderr or done.stdout)[-300:]}}
    return parsed if isinstance(parsed, dict) else {}


def run_all() -> list[Verdict]:
    pip_audit = str(Path(sys.executable).with_name("pip-audit"))
    verdicts = []
    for lockfile in LOCKFILES:
        command = [
            pip_audit,
            "--require-hashes",
            "--disable-pip",
            "-r",
            lockfile,
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ]
        verdicts.append(pip_verdict(lockfile, _json_of(command, ROOT)))
    for package in NPM_PACKAGES:
        command = ["npm", "audit", "--omit=dev", "--audit-level=high", "--json"]
        verdicts.append(npm_verdict(f"{package} (npm)", _json_of(command, ROOT / package)))
    return verdicts


def exit_code(verdicts: list[Verdict], required: bool) -> int:
    if any(verdict.findings for verdict in verdicts):
        return 1
    return 1 if required and any(verdict.unaudited for verdict in verdicts) else 0


def main() -> int:
    print("==> Auditing the locked dependencies (pip-audit, npm audit --omit=dev)")
    verdicts = run_all()
    for verdict in verdicts:
        if verdict.findings:
            print(f"FAIL {verdict.name}:\n  " + "\n  ".join(verdict.findings))
        elif verdict.unaudited:
            print(f"NOT AUDITED {verdict.name}: {verdict.unaudited}")
        else:
            print(f"ok   {verdict.name}: no known vulnerability")
    return exit_code(verdicts, os.environ.get("AUDIT_REQUIRED") == "1")


if __name__ == "__main__":
    sys.exit(main())
