"""Issues, change requests and releases as the store keeps them: one row per key, upserted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotgate.model import ChangeRequest, Issue, Release
from hotgate.store._sql import KEYS_PER_QUERY, chunks, upsert
from hotgate.store.records import Counts, now
from hotgate.store.tables import change_requests, issues, releases

ROW_BATCH = 2_000


def _existing(session: Session, column: Any, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(keys, KEYS_PER_QUERY):
        found.update(session.execute(select(column).where(column.in_(part))).scalars())
    return found


def upsert_issues(session: Session, items: Iterable[Issue]) -> Counts:
    """Insert new issues and update known ones (by key); returns how many of each."""
    counts = Counts()
    for batch in chunks(items, ROW_BATCH):
        at = now()
        rows = {
            issue.key: {
                "key": issue.key,
                "source": issue.source,
                "title": issue.title,
                "url": issue.url,
                "status": issue.status,
                "document": issue.model_dump(mode="json"),
                "first_seen": at,
                "updated_at": at,
            }
            for issue in batch
        }
        known = _existing(session, issues.c.key, list(rows))
        upsert(session, issues, list(rows.values()), "key", keep=("first_seen",))
        counts.updated += len(known)
        counts.inserted += len(rows) - len(known)
    return counts


def get_issue(session: Session, key: str) -> Issue | None:
    """The stored issue with this key, or None."""
    document = session.execute(
        select(issues.c.document).where(issues.c.key == key)
    ).scalar_one_or_none()
    return None if document is None else Issue.model_validate(document)


def list_issues(
    session: Session, *, source: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[Issue], int]:
    """A page of stored issues (most recently updated first) and the total count."""
    conditions = [issues.c.source == source] if source else []
    total = session.execute(
        select(func.count()).select_from(issues).where(*conditions)
    ).scalar_one()
    query = (
        select(issues.c.document)
        .where(*conditions)
        .order_by(issues.c.updated_at.desc(), issues.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [Issue.model_validate(d) for d in session.execute(query).scalars()], int(total)


def upsert_change_requests(session: Session, items: Iterable[ChangeRequest]) -> Counts:
    """Insert new change requests and update known ones (by key change:ID)."""
    counts = Counts()
    for batch in chunks(items, ROW_BATCH):
        at = now()
        rows = {
            item.key: {
                "key": item.key,
                "title": item.title,
                "requested_by": item.requested_by,
                "document": item.model_dump(mode="json"),
                "created_at": at,
                "updated_at": at,
            }
            for item in batch
        }
        known = _existing(session, change_requests.c.key, list(rows))
        upsert(session, change_requests, list(rows.values()), "key", keep=("created_at",))
        counts.updated += len(known)
        counts.inserted += len(rows) - len(known)
    return counts


def get_change_request(session: Session, key: str) -> ChangeRequest | None:
    """The stored change request with this key (change:ID), or None."""
    query = select(change_requests.c.document).where(change_requests.c.key == key)
    document = session.execute(query).scalar_one_or_none()
    return None if document is None else ChangeRequest.model_validate(document)


def upsert_releases(session: Session, items: Iterable[Release]) -> None:
    """Save releases and freezes by name (a freeze is kept as the release's kind)."""
    rows = [{"name": r.name, "date": r.date, "kind": r.kind, "freeze": None} for r in items]
    for batch in chunks(rows, ROW_BATCH):
        upsert(session, releases, batch, "name")


def list_releases(session: Session) -> list[dict[str, Any]]:
    """Every saved release, by date."""
    query = select(releases.c.name, releases.c.date, releases.c.kind).order_by(releases.c.date)
    return [dict(row) for row in session.execute(query).mappings()]
