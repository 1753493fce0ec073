"""Dashboard sessions: a login writes one, logout deletes it."""

from __future__ import annotations

from .models import SessionModel
from .records import Session
from .rows import record, row


def create(session: Session) -> None:
    row(SessionModel, session).save()


def get(session_id: str) -> Session | None:
    try:
        return record(Session, SessionModel.get(session_id, consistent_read=True))
    except SessionModel.DoesNotExist:
        return None


def delete(session_id: str) -> None:
    SessionModel(session_id).delete()
