"""The notifications outbox: what is to be sent, held for a digest, sent, or given up on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hotgate.store.records import utc
from hotgate.store.tables import notifications


class NotificationRecord(BaseModel):
    """One message for one route (the route's address itself is never stored)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    dedupe: str
    event: str
    route: str
    subject_key: str | None
    recipient: str | None
    title: str
    body: str
    status: str
    attempts: int
    next_try_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def _record(row: Any) -> NotificationRecord:
    values = dict(row._mapping)
    for name in ("next_try_at", "created_at", "sent_at"):
        values[name] = utc(values[name])
    return NotificationRecord.model_validate(values)


def queue_notifications(session: Session, rows: Iterable[dict[str, Any]], at: datetime) -> int:
    """Add messages not queued before (by their dedupe key); how many were new."""
    wanted = {row["dedupe"]: row for row in rows}
    if not wanted:
        return 0
    known: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        known.update(
            session.execute(
                select(notifications.c.dedupe).where(notifications.c.dedupe.in_(part))
            ).scalars()
        )
    new = [
        {"attempts": 0, "created_at": at, "status": "pending", **row}
        for key, row in wanted.items()
        if key not in known
    ]
    if new:
        session.execute(notifications.insert(), new)
    return len(new)


def due_notifications(session: Session, at: datetime, limit: int = 200) -> list[NotificationRecord]:
    """Pending messages whose (re)try time has come, oldest first."""
    query = (
        select(notifications)
        .where(
            notifications.c.status == "pending",
            or_(notifications.c.next_try_at.is_(None), notifications.c.next_try_at <= at),
        )
        .order_by(notifications.c.id)
        .limit(limit)
    )
    return [_record(row) for row in session.execute(query)]


def held_notifications(session: Session, route: str) -> list[NotificationRecord]:
    """Messages held for a route's digest, oldest first."""
    query = (
        select(notifications)
        .where(notifications.c.status == "held", notifications.c.route == route)
        .order_by(notifications.c.id)
    )
    return [_record(row) for row in session.execute(query)]


def mark_sent(session: Session, ids: list[int], at: datetime) -> None:
    """Record that these messages went out."""
    session.execute(
        update(notifications)
        .where(notifications.c.id.in_(ids))
        .values(status="sent", sent_at=at, attempts=notifications.c.attempts + 1, last_error=None)
    )


def mark_failed(session: Session, ids: list[int], error: str, next_try: datetime | None) -> None:
    """Record a failed attempt: tried again at next_try, or given up on when it is None."""
    values: dict[str, Any] = {
        "attempts": notifications.c.attempts + 1,
        "last_error": error,
        "next_try_at": next_try,
    }
    if next_try is None:
        values["status"] = "failed"
    session.execute(update(notifications).where(notifications.c.id.in_(ids)).values(**values))


def list_notifications(
    session: Session, status: str | None = None, limit: int = 100
) -> list[NotificationRecord]:
    """The newest messages first, optionally of one status."""
    query = select(notifications).order_by(notifications.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(notifications.c.status == status)
    return [_record(row) for row in session.execute(query)]
