"""The real baseline step, as infra/migrations has it."""

from infra.migrations.m0001_baseline import DESCRIPTION, VERSION, apply

__all__ = ["DESCRIPTION", "VERSION", "apply"]
