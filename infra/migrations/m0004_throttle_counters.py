"""The throttling counters' table (chalicelib/store/models.py ThrottleModel), with its TTL.

The provisioner creates it for new stages (the template, on AWS); a stage provisioned before this
release gets it here. Nothing to backfill: a missing counter is a window with no attempts yet.
Creating only what is missing, it is safe to run any number of times.
"""

from __future__ import annotations

VERSION = 4
DESCRIPTION = "throttling counters table (per-window attempts, TTL'd)"


def apply() -> None:
    from infra.provision import ensure_tables

    ensure_tables()
