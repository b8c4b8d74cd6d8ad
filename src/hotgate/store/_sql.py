"""Small SQL helpers shared by the repository modules: dialect-aware upserts and chunking."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
# stays under SQLite's limit of bound parameters per statement
KEYS_PER_QUERY = 900


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split an iterable into lists of at most size items."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: str,
    keep: Sequence[str] = (),
) -> None:
    """Insert rows, updating the existing row of the same key (except the columns in keep)."""
    if not rows:
        return
    statement = _insert(session, table)
    columns = [c for c in rows[0] if c not in {key, *keep}]
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[key]], set_={c: statement.excluded[c] for c in columns}
    )
    session.execute(statement, list(rows))


def insert_missing(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], key: str
) -> None:
    """Insert the rows whose key the table does not hold; an existing row is left as it is.

    Also when another transaction inserts the same key first (two processes starting at once):
    PostgreSQL waits for it and then skips the row, instead of failing on the unique key.
    """
    if rows:
        statement = _insert(session, table).on_conflict_do_nothing(index_elements=[table.c[key]])
        session.execute(statement, list(rows))


def _insert(session: Session, table: Table) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (PostgreSQL and SQLite alike)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
