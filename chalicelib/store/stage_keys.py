"""The stage's sealed secrets: written once under a condition, read by name."""

from __future__ import annotations

from .conditions import written
from .models import StageKeyModel


def get(name: str) -> str | None:
    try:
        return str(StageKeyModel.get(name, consistent_read=True).sealed)
    except StageKeyModel.DoesNotExist:
        return None


def create_if_absent(name: str, sealed: str, now_iso: str) -> bool:
    row = StageKeyModel(name, sealed=sealed, created_at=now_iso)
    return written(lambda: row.save(condition=StageKeyModel.id.does_not_exist()))
