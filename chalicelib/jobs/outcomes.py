"""What one job concluded: finished (the message can go), or try again after a wait."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finished:
    status: str


@dataclass(frozen=True)
class RetryAfter:
    seconds: int


Outcome = Finished | RetryAfter
