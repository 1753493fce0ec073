"""The stage's recorded schema version (infra/migrations reads and advances it)."""

from __future__ import annotations

from .conditions import written
from .models import SchemaVersionModel

ROW = "version"


def recorded_version() -> int:
    """0 when nothing was ever recorded: data from before migrations existed."""
    try:
        return int(SchemaVersionModel.get(ROW, consistent_read=True).version)
    except SchemaVersionModel.DoesNotExist:
        return 0


def record_version(version: int, description: str, now_iso: str) -> bool:
    """Advance to `version`; False (and nothing written) when the recorded one is already at or
    past it: the version only moves forward, whoever else migrates the stage at the same time."""
    row = SchemaVersionModel(ROW, version=version, description=description, applied_at=now_iso)
    condition = SchemaVersionModel.id.does_not_exist() | (SchemaVersionModel.version < version)
    return written(lambda: row.save(condition=condition))
