"""Issues, change requests and releases as the store keeps them: one row per key, upserted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from hotgate.model import ChangeRequest, Issue, Release
from hotgate.store._sql import KEYS_PER_QUERY, chunks, upsert
from hotgate.store.cutting import TITLE_LIMIT, cut, cut_document, fit
from hotgate.store.records import Counts, now
from hotgate.store.tables import change_requests, issues, releases

ROW_BATCH = 2_000


def document_of(subject: Issue | ChangeRequest) -> dict[str, Any]:
    """A subject as the store keeps it: its JSON with every long text cut (see cutting)."""
    kept: dict[str, Any] = cut_document(subject.model_dump(mode="json"), {})
    return kept


def _existing(session: Session, column: Any, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(keys, KEYS_PER_QUERY):
        found.update(session.execute(select(column).where(column.in_(part))).scalars())
    return found


def _upsert_documents(
    session: Session,
    table: Table,
    rows_of: Iterable[list[dict[str, Any]]],
    keep: str,
) -> Counts:
    """Upsert batches of rows by key, keeping the column `keep` of known rows; counts both."""
    counts = Counts()
    for rows in rows_of:
        by_key = {row["key"]: row for row in rows}
        known = _existing(session, table.c.key, list(by_key))
        upsert(session, table, list(by_key.values()), "key", keep=(keep,))
        counts.updated += len(known)
        counts.inserted += len(by_key) - len(known)
    return counts


def upsert_issues(session: Session, items: Iterable[Issue]) -> Counts:
    """Insert new issues and update known ones (by key); returns how many of each."""

    def rows(batch: list[Issue], at: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": issue.key,
                "source": issue.source,
                "title": cut(issue.title, TITLE_LIMIT),
                "url": document["url"],
                "status": fit(issue.status, 100),
                "document": document,
                "first_seen": at,
                "updated_at": at,
            }
            for issue in batch
            for document in [document_of(issue)]
        ]

    batches = (rows(batch, now()) for batch in chunks(items, ROW_BATCH))
    return _upsert_documents(session, issues, batches, keep="first_seen")


def changed_issues(session: Session, items: Iterable[Issue]) -> list[Issue]:
    """The issues that are new or differ from what the store holds (the last of a key wins)."""
    latest = {issue.key: issue for issue in items}
    stored: dict[str, Any] = {}
    for part in chunks(list(latest), KEYS_PER_QUERY):
        query = select(issues.c.key, issues.c.document).where(issues.c.key.in_(part))
        stored.update((row[0], row[1]) for row in session.execute(query))
    return [issue for key, issue in latest.items() if stored.get(key) != document_of(issue)]


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

    def rows(batch: list[ChangeRequest], at: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": item.key,
                "title": cut(item.title, TITLE_LIMIT),
                "requested_by": item.requested_by,
                "document": document_of(item),
                "created_at": at,
                "updated_at": at,
            }
            for item in batch
        ]

    batches = (rows(batch, now()) for batch in chunks(items, ROW_BATCH))
    return _upsert_documents(session, change_requests, batches, keep="created_at")


def get_change_request(session: Session, key: str) -> ChangeRequest | None:
    """The stored change request with this key (change:ID), or None."""
    return get_change_requests(session, [key]).get(key)


def get_change_requests(session: Session, keys: list[str]) -> dict[str, ChangeRequest]:
    """The stored change requests of these keys, read in a few queries."""
    found: dict[str, ChangeRequest] = {}
    for part in chunks(keys, KEYS_PER_QUERY):
        query = select(change_requests.c.key, change_requests.c.document).where(
            change_requests.c.key.in_(part)
        )
        found.update((k, ChangeRequest.model_validate(d)) for k, d in session.execute(query))
    return found


def upsert_releases(session: Session, items: Iterable[Release]) -> None:
    """Save releases and freezes by name (a freeze is kept as the release's kind)."""
    rows = [{"name": r.name, "date": r.date, "kind": r.kind, "freeze": None} for r in items]
    for batch in chunks(rows, ROW_BATCH):
        upsert(session, releases, batch, "name")


def list_releases(session: Session) -> list[dict[str, Any]]:
    """Every saved release, by date."""
    query = select(releases.c.name, releases.c.date, releases.c.kind).order_by(releases.c.date)
    return [dict(row) for row in session.execute(query).mappings()]
