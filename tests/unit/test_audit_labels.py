"""Every audited action has a label in the dashboard's audit log: an action added to the domain
without one would show its raw name (as webhook.replay and the endpoint actions once did)."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.domain import audit

AUDIT_PAGE = Path(__file__).resolve().parents[2] / "dashboard" / "src" / "pages" / "AuditLog.jsx"


def labelled_actions() -> set[str]:
    block = re.search(r"const ACTIONS = \{(.*?)\};", AUDIT_PAGE.read_text(), re.S)
    assert block, "AuditLog.jsx no longer declares its ACTIONS labels"
    return set(re.findall(r"'([a-z_]+\.[a-z_]+)':", block.group(1)))


def test_every_audited_action_has_a_label_and_every_label_an_action() -> None:
    assert labelled_actions() == set(audit.ENTITY_TYPES)
