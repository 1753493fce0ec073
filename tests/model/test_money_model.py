"""The money rules under a hypothesis state machine, over HTTP against a running stack.

Two stacks: a clean one, and one where every payment, refund and delivery job crashes once at a
step of its work (SQS redelivers it after a one-second visibility timeout), the API crashes once
per payment right after its commit, and every first send after a commit fails, which only the
reconciler repairs. CI runs the `ci`
profile (bounded, derandomized); `make test-deep` the `deep` one (docs/testing in README).
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from .conftest import PROFILE
from .money_machine import MoneyMachine

FAST = {"TEST_PROCESSING_DELAY": "0", "QUEUE_VISIBILITY_TIMEOUT": "1"}
# Functions crash once per entity at these steps; the API once per payment after its commit; and
# every first send after a commit fails (api.enqueue), so the reconciler must finish that work.
CRASHES = ",".join(
    ["api.payment_written", "api.enqueue", "payment.after_transition", "refund.after_load", "delivery.after_post"]
)
RECOVERY = {
    "IDEMPOTENCY_LOCK_SECONDS": "2",  # a crashed request's key is free again after 2 s
    "RECONCILE_GRACE_SECONDS": "2",  # stranded work is found 2 s after it was due...
    "LOCAL_SCHEDULE_SECONDS": "1",  # ...by a reconciler run every second
}


def _run(stack, examples_scale: float = 1.0) -> None:
    machine = type("Machine", (MoneyMachine,), {"gateway": stack})
    profile = settings.get_profile(PROFILE)
    examples = max(1, int(profile.max_examples * examples_scale))
    run_state_machine_as_test(machine, settings=settings(profile, max_examples=examples))


def test_money_rules_hold_for_any_sequence_of_calls(make_gateway):
    _run(make_gateway(**FAST))


@pytest.mark.slow
def test_money_rules_hold_when_every_job_crashes_once(make_gateway):
    _run(make_gateway(**FAST, **RECOVERY, FAULT_INJECT=CRASHES), examples_scale=0.5)
