"""Recording decisions in bulk and reading them back: every assessment of a key is kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from hotgate.store._sql import KEYS_PER_QUERY, chunks
from hotgate.store.records import Counts, DecisionRecord, DecisionSummary, ReviewRecord
from hotgate.store.tables import FINAL_VERDICT, QUEUE_ORDER, decisions, reviews

ROW_BATCH = 5_000
SUMMARY_COLUMNS = [c for c in decisions.c if c.name not in {"evidence", "rank"}]


def _previous(session: Session, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Each known key's latest verdict and review state."""
    found: dict[str, tuple[str, str]] = {}
    for part in chunks(keys, KEYS_PER_QUERY):
        query = select(decisions.c.subject_key, decisions.c.verdict, decisions.c.state).where(
            decisions.c.latest.is_(True), decisions.c.subject_key.in_(part)
        )
        found.update((row[0], (row[1], row[2])) for row in session.execute(query))
    return found


def latest_decisions(session: Session, keys: Sequence[str]) -> dict[str, DecisionSummary]:
    """Each key's latest decision, read in a few queries however many keys there are."""
    found: dict[str, DecisionSummary] = {}
    for part in chunks(list(dict.fromkeys(keys)), KEYS_PER_QUERY):
        query = select(*SUMMARY_COLUMNS).where(
            decisions.c.latest.is_(True), decisions.c.subject_key.in_(part)
        )
        for row in session.execute(query).mappings():
            found[row["subject_key"]] = DecisionSummary.model_validate(dict(row))
    return found


def record_rows(session: Session, rows: Iterable[dict[str, Any]]) -> Counts:
    """Record prepared decision rows (see recording.py) in batches; returns what was written.

    The newest assessment of a key becomes `latest`; `verdict_changed` says whether its
    verdict differs from the assessment before it. A rejection stands: a new assessment of a
    key whose latest decision was rejected is recorded as rejected too, until an approver
    overrides it. Nothing is committed here.
    """
    counts = Counts()
    for batch in chunks(rows, ROW_BATCH):
        keys = list(dict.fromkeys(row["subject_key"] for row in batch))
        previous = _previous(session, keys)
        for part in chunks(list(previous), KEYS_PER_QUERY):
            session.execute(
                update(decisions)
                .where(decisions.c.latest.is_(True), decisions.c.subject_key.in_(part))
                .values(latest=False)
            )
        seen: dict[str, dict[str, Any]] = {}
        for row in batch:
            key = row["subject_key"]
            before, state = (
                (seen[key]["verdict"], seen[key]["state"])
                if key in seen
                else previous.get(key, (None, None))
            )
            if state == "rejected":
                row["state"] = "rejected"
            if key in seen:
                seen[key]["latest"] = False  # the same key twice in one batch: the last one wins
            row["previous_verdict"] = before
            row["verdict_changed"] = before is not None and before != row["verdict"]
            row["latest"] = True
            counts.changed += row["verdict_changed"]
            seen[key] = row
        _insert(session, batch)
        counts.inserted += len(batch)
        _keep_statistics(session, len(batch))
    return counts


def _keep_statistics(session: Session, inserted: int) -> None:
    """ANALYZE the decisions table on PostgreSQL each time a run has doubled what it inserted.

    autovacuum cannot see the rows of an open transaction, so without this the planner reads a
    bulk run's growing table as nearly empty and scans it whole to find each batch's previous
    decisions: 100,000 recorded in one run took 303 s, and 110 s with this (SQLite: 113 s).
    ANALYZE in the transaction sees its own rows; doubling keeps it to a few short runs.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    total = session.info.get("decisions_inserted", 0) + inserted
    session.info["decisions_inserted"] = total
    if total >= 2 * session.info.get("decisions_analyzed", ROW_BATCH // 2):
        session.execute(text("ANALYZE decisions"))
        session.info["decisions_analyzed"] = total


COPY_COLUMNS = [c.name for c in decisions.c if c.name != "id"]
COPY_EVIDENCE = COPY_COLUMNS.index("evidence")


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert decision rows: COPY on PostgreSQL; elsewhere (SQLite) one executemany of plain
    tuples, each value through its column type's bind processor as SQLAlchemy's own insert
    would, without its work per row (20,000 rows: 0.9 against 1.07 s)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        columns = _bound_columns(connection.dialect)
        prepared = [
            tuple(row.get(name) if bind is None else bind(row.get(name)) for name, bind in columns)
            for row in rows
        ]
        connection.exec_driver_sql(_INSERT, prepared)
        return
    raw = connection.connection.driver_connection  # psycopg, in this transaction
    statement = f"COPY decisions ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    # The evidence as its column type gives it to PostgreSQL: JSON text, whether the row holds
    # text, a document or packed bytes.
    evidence = decisions.c.evidence.type.bind_processor(connection.dialect)
    assert evidence is not None
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = [row.get(name) for name in COPY_COLUMNS]
            values[COPY_EVIDENCE] = evidence(values[COPY_EVIDENCE])
            copy.write_row(values)


_INSERT = (
    f"INSERT INTO decisions ({', '.join(COPY_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COPY_COLUMNS)})"
)


def _bound_columns(dialect: Dialect) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """Each inserted column's name and its type's bind processor for the dialect (or None);
    made once per batch of rows, which costs next to nothing beside inserting them."""
    return [(name, decisions.c[name].type.bind_processor(dialect)) for name in COPY_COLUMNS]


def list_decisions(
    session: Session,
    *,
    verdict: str | None = None,
    state: str | None = None,
    source: str | None = None,
    key: str | None = None,
    changed: bool | None = None,
    latest_only: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[DecisionSummary], int]:
    """A page of decisions, ranked hotfix first then by cost of waiting, and the total count."""
    conditions: list[ColumnElement[bool]] = []
    if latest_only:
        conditions.append(decisions.c.latest.is_(True))
    if verdict:
        conditions.append(FINAL_VERDICT.op("=")(verdict))  # "==" here types as a plain bool
    if state:
        conditions.append(decisions.c.state == state)
    if source:
        conditions.append(decisions.c.source == source)
    if key:
        conditions.append(decisions.c.subject_key == key)
    if changed is not None:
        conditions.append(decisions.c.verdict_changed.is_(changed))
    total = session.execute(
        select(func.count()).select_from(decisions).where(*conditions)
    ).scalar_one()
    query = (
        select(*SUMMARY_COLUMNS)
        .where(*conditions)
        .order_by(*QUEUE_ORDER)
        .limit(limit)
        .offset(offset)
    )
    rows = session.execute(query).mappings()
    return [DecisionSummary.model_validate(dict(row)) for row in rows], int(total)


def get_decision(session: Session, decision_id: int) -> DecisionRecord | None:
    """One decision with its evidence and reviews, or None."""
    row = session.execute(select(decisions).where(decisions.c.id == decision_id)).mappings().first()
    if row is None:
        return None
    steps = session.execute(
        select(reviews).where(reviews.c.decision_id == decision_id).order_by(reviews.c.id)
    ).mappings()
    record = DecisionRecord.model_validate(dict(row))
    record.reviews = [ReviewRecord.model_validate(dict(step)) for step in steps]
    return record


def history(session: Session, key: str) -> list[DecisionSummary]:
    """Every assessment of one subject key, newest first."""
    query = (
        select(*SUMMARY_COLUMNS)
        .where(decisions.c.subject_key == key)
        .order_by(decisions.c.id.desc())
    )
    return [DecisionSummary.model_validate(dict(row)) for row in session.execute(query).mappings()]


def answers_for(session: Session, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Each decision's criterion answers (name -> yes/no/unknown), for a page of decisions."""
    found: dict[int, dict[str, str]] = {}
    for part in chunks(ids, KEYS_PER_QUERY):
        query = select(decisions.c.id, decisions.c.evidence).where(decisions.c.id.in_(part))
        for decision_id, evidence in session.execute(query):
            criteria = evidence.get("criteria", []) if isinstance(evidence, dict) else []
            found[decision_id] = {c["name"]: c["answer"] for c in criteria}
    return found
