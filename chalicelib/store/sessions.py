"""Dashboard sessions: a login writes one, logout deletes it."""

from __future__ import annotations

from datetime import datetime

from .models import SessionModel


def create(session_id: str, merchant_id: str, expires_at: datetime) -> None:
    SessionModel(session_id, merchant_id=merchant_id, expires_at=expires_at).save()


def get(session_id: str) -> SessionModel | None:
    try:
        return SessionModel.get(session_id, consistent_read=True)
    except SessionModel.DoesNotExist:
        return None


def delete(session_id: str) -> None:
    SessionModel(session_id).delete()
