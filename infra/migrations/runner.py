"""Applies the missing migration steps of the stage, in order, and records each one.

The stage's version lives in its `schema` table (chalicelib/store/schema.py): 0 when nothing was
recorded (data from before migrations existed). Every step above it runs, in version order, and
its version is recorded right after it, so a crash re-runs at most the step it interrupted (which
is why steps must be idempotent). Data at a version newer than the newest step this code has is
never touched: NewerSchema says so, and the callers stop with NEWER_SCHEMA_EXIT.

MIGRATIONS_PACKAGE (tests only) names another package of steps.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

DEFAULT_PACKAGE = "infra.migrations"
STEP_MODULE = re.compile(r"^m(\d{4})_[a-z0-9_]+$")
NEWER_SCHEMA_EXIT = 2


class NewerSchema(RuntimeError):
    """The data was written by newer code than this: migrating down is not a thing."""


class BadStep(RuntimeError):
    """A step module that breaks the contract (missing VERSION/DESCRIPTION/apply, a VERSION that
    differs from its file name, two steps with one version)."""


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    module: str
    apply: Callable[[], None]


@dataclass(frozen=True)
class Migrated:
    from_version: int
    to_version: int
    applied: tuple[int, ...]


def _step(module: ModuleType, number: int) -> Step:
    version, description, apply = (getattr(module, name, None) for name in ("VERSION", "DESCRIPTION", "apply"))
    if not isinstance(version, int) or not isinstance(description, str) or not callable(apply):
        raise BadStep(f"{module.__name__} must define VERSION: int, DESCRIPTION: str and apply()")
    if version != number:
        raise BadStep(f"{module.__name__} has VERSION = {version}, but its file name says {number}")
    return Step(version, description, module.__name__, apply)


def discover(package: str | None = None) -> list[Step]:
    """Every step of the package, by version."""
    name = package or os.environ.get("MIGRATIONS_PACKAGE") or DEFAULT_PACKAGE
    root = importlib.import_module(name)
    steps = []
    for info in pkgutil.iter_modules(root.__path__):
        match = STEP_MODULE.match(info.name)
        if match:
            steps.append(_step(importlib.import_module(f"{name}.{info.name}"), int(match.group(1))))
    steps.sort(key=lambda step: step.version)
    for earlier, later in zip(steps, steps[1:], strict=False):
        if earlier.version == later.version:
            raise BadStep(f"{earlier.module} and {later.module} both have VERSION = {earlier.version}")
    return steps


def migrate(package: str | None = None, say: Callable[[str], None] = lambda _: None) -> Migrated:
    from chalicelib.config import settings
    from chalicelib.domain import clock
    from chalicelib.store.schema import record_version, recorded_version

    steps = discover(package)
    latest = steps[-1].version if steps else 0
    current = recorded_version()
    if current > latest:
        raise NewerSchema(
            f"the data of stage '{settings().stage}' is at schema version {current}, newer than this code's "
            f"{latest}: it was written by a newer release. Run that release (or a newer one); this one would "
            f"misread it. Locally, `make reset` starts a fresh state instead."
        )
    applied = []
    for step in steps:
        if step.version <= current:
            continue
        say(f"migration {step.version}: {step.description}")
        step.apply()
        record_version(step.version, step.description, clock.iso(clock.now()))
        applied.append(step.version)
    return Migrated(current, max(current, latest), tuple(applied))
