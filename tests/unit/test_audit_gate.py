"""`make audit` decides from pip-audit's and npm audit's reports: these are their JSON shapes."""

from __future__ import annotations

from tools import audit

VULNERABLE = {
    "dependencies": [
        {"name": "pydantic", "version": "2.14.4", "vulns": []},
        {"name": "urllib3", "version": "2.0.0", "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["2.5.0"]}]},
    ]
}


def test_a_known_python_vulnerability_fails_the_audit():
    verdict = audit.pip_verdict("requirements.txt", VULNERABLE)
    assert verdict.findings == ["urllib3 2.0.0: GHSA-xxxx (fixed in 2.5.0)"]
    assert audit.exit_code([verdict], required=False) == 1


def test_an_ignored_vulnerability_is_accepted(monkeypatch):
    monkeypatch.setitem(audit.AUDIT_IGNORE, "GHSA-xxxx", "not reachable from the gateway")
    verdict = audit.pip_verdict("requirements.txt", VULNERABLE)
    assert verdict.findings == []
    assert audit.exit_code([verdict], required=True) == 0


def test_a_mirror_that_knows_no_package_is_not_audited_rather_than_clean():
    report = {"dependencies": [{"name": "a", "skip_reason": "Dependency not found on PyPI"}]}
    verdict = audit.pip_verdict("requirements.txt", report)
    assert verdict.unaudited and not verdict.findings
    assert audit.exit_code([verdict], required=False) == 0
    assert audit.exit_code([verdict], required=True) == 1
    assert audit.pip_verdict("requirements.txt", {}).unaudited  # pip-audit crashed: no report


def test_npm_high_and_critical_fail_moderate_does_not():
    report = {
        "auditReportVersion": 2,
        "vulnerabilities": {
            "react-dom": {"severity": "critical", "range": "<19.0.1"},
            "scheduler": {"severity": "moderate", "range": "*"},
        },
    }
    verdict = audit.npm_verdict("dashboard", report)
    assert verdict.findings == ["react-dom: critical (<19.0.1)"]
    assert audit.exit_code([verdict], required=False) == 1


def test_npm_without_an_advisory_endpoint_is_not_audited():
    report = {"message": "405 Method Not Allowed - POST /-/npm/v1/security/advisories/bulk", "error": {}}
    verdict = audit.npm_verdict("dashboard", report)
    assert verdict.unaudited.startswith("405")
    assert audit.exit_code([verdict], required=True) == 1
