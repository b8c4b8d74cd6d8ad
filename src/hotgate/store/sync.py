"""Where each synced source left off: one cursor per source name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotgate.store._sql import upsert
from hotgate.store.records import now
from hotgate.store.tables import sync_state


def get_cursor(session: Session, source: str) -> str | None:
    """The cursor saved for a source, or None when it was never synced."""
    query = select(sync_state.c.cursor).where(sync_state.c.source == source)
    return session.execute(query).scalar_one_or_none()


def set_cursor(session: Session, source: str, cursor: str | None) -> None:
    """Save a source's cursor (in the caller's transaction, so it moves with the data)."""
    upsert(
        session, sync_state, [{"source": source, "cursor": cursor, "updated_at": now()}], "source"
    )
