"""How long the simulated bank takes: fixed in test mode, random within a range otherwise."""

from __future__ import annotations

import math
import random


def simulated_delay_ms(
    test_mode: bool, test_delay_ms: int, live_range_ms: tuple[int, int], rng: random.Random | None = None
) -> int:
    if test_mode:
        return max(0, test_delay_ms)
    return (rng or random).randint(*live_range_ms)


def whole_seconds(delay_ms: int) -> int:
    """SQS counts delays in whole seconds; rounding up keeps 'processed after the delay' true."""
    return math.ceil(max(0, delay_ms) / 1000)
