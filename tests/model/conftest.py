"""Hypothesis profiles for the model-based tests.

CI runs a bounded number of examples, derandomized (a fixed seed derived from the test), so a run
is repeatable and its length known. `make test-deep` selects the deep profile: many more
examples, randomized, to find what the fixed seed does not.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = {
    "deadline": None,  # a step waits on the real stack; time is not the property under test
    # No shrinking: the stack's answers depend on timing and on what earlier examples left in
    # it, so a shrunk sequence may not fail the same way, which hypothesis reports as a flaky
    # strategy instead of the failure. The failing sequence is printed as it ran.
    "phases": (Phase.explicit, Phase.reuse, Phase.generate),
    "suppress_health_check": (HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large),
}
settings.register_profile("ci", max_examples=10, stateful_step_count=14, derandomize=True, **_COMMON)
settings.register_profile(
    "deep", max_examples=int(os.environ.get("MODEL_EXAMPLES", "200")), stateful_step_count=14, **_COMMON
)
PROFILE = os.environ.get("MODEL_PROFILE", "ci")
