"""Chaos mode: an endpoint that asks to receive what a real network does to webhooks, on purpose.

Only where CHAOS_ENABLED=true (the local stack sets it, no deployed stage does): a merchant
testing a receiver turns it on for one endpoint, at rates from 0 to 1 per behaviour, and sees
whether the receiver survives

- `duplicate`: the same delivery (same `webhook-id`, same body, same signature) POSTed a second
  time right after the first;
- `reorder`: the delivery held back a random time up to `delay_seconds`, so the events of one
  payment recorded after it overtake it;
- `delay`: the delivery held back `delay_seconds`;
- `crash`: the POST is made, then the engine acts as if it had crashed before recording it: the
  answer is not trusted and the delivery is made again a few seconds later (a redelivery).

Chaos acts on an event's first attempt only (generation 0, attempt 1): retries, manual retries
and replays go out as usual, so a rate of 1.0 can never loop. Every attempt chaos touched carries
`chaos` in the delivery log (the behaviours, comma-separated). Pure: the engine draws from the
random source it is given (seeded in tests).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from .errors import BadRequest

DUPLICATE, REORDER, DELAY, CRASH = "duplicate", "reorder", "delay", "crash"
RATES = (DUPLICATE, REORDER, DELAY, CRASH)
MAX_DELAY_SECONDS = 900  # SQS's longest delay: one hold is one delayed message
DEFAULT_DELAY_SECONDS = 10
CRASH_REDELIVERY_SECONDS = 2  # a crashed attempt's message comes back about this soon


@dataclass(frozen=True)
class Chaos:
    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    crash: float = 0.0
    delay_seconds: int = DEFAULT_DELAY_SECONDS

    def encoded(self) -> str:
        """Stored as one string in the endpoint's map: the stores keep it as they got it."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def decoded(cls, text: str) -> Chaos:
        values = json.loads(text)
        return cls(**{name: values[name] for name in (*RATES, "delay_seconds") if name in values})

    def rendered(self) -> dict[str, float | int]:
        return asdict(self)


def parsed(fields: Mapping[str, object] | None) -> Chaos | None:
    """The settings a merchant sent; None (or every rate 0) turns chaos off."""
    if fields is None:
        return None
    unknown = sorted(set(fields) - {*RATES, "delay_seconds"})
    if unknown:
        raise BadRequest(f"Unknown chaos settings: {', '.join(unknown)}", "chaos")
    rates: dict[str, float] = {}
    for name in RATES:
        value = fields.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise BadRequest(f"chaos.{name} is a rate from 0 to 1", "chaos")
        rates[name] = float(value)
    seconds = fields.get("delay_seconds", DEFAULT_DELAY_SECONDS)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 1 <= seconds <= MAX_DELAY_SECONDS:
        raise BadRequest(f"chaos.delay_seconds is a whole number from 1 to {MAX_DELAY_SECONDS}", "chaos")
    if not any(rates.values()):
        return None
    return Chaos(**rates, delay_seconds=seconds)


def applies(chaos: Chaos | None, generation: int, attempts: int) -> bool:
    """Chaos touches an event's first attempt only."""
    return chaos is not None and generation == 0 and attempts == 0


def hold_seconds(chaos: Chaos, rng: random.Random) -> tuple[int, tuple[str, ...]]:
    """How long the first message waits before its attempt, and why (delay, reorder or both)."""
    held, why = 0.0, []
    if rng.random() < chaos.delay:
        held += chaos.delay_seconds
        why.append(DELAY)
    if rng.random() < chaos.reorder:
        held += rng.uniform(1, chaos.delay_seconds)
        why.append(REORDER)
    return round(held), tuple(why)


def at_attempt(chaos: Chaos, rng: random.Random) -> tuple[str, ...]:
    """What happens around the first POST: duplicated, crashed after, both or neither."""
    return tuple(name for name in (DUPLICATE, CRASH) if rng.random() < getattr(chaos, name))
