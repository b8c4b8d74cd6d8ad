"""Scheduled jobs on record: their leases, next slots, progress and runs.

A lease is one conditional UPDATE: of two servers asking for the same due job at once, the
database lets exactly one change the row, so one job never runs twice at the same time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hotgate.store._sql import insert_missing
from hotgate.store.records import utc
from hotgate.store.tables import job_runs, jobs


class JobRecord(BaseModel):
    """A job as the store holds it: what it is, when it is due, how its last run went."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str
    every_seconds: int | None
    due_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    state: str
    failures: int
    runs: int
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_status: str | None
    last_error: str | None
    progress: dict[str, Any] | None


class RunRecord(BaseModel):
    """One run of a job."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    job: str
    owner: str
    slot: datetime | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    detail: dict[str, Any] | None


def _record(row: Any) -> JobRecord:
    values = dict(row._mapping)
    for name in ("due_at", "lease_until", "last_started_at", "last_finished_at"):
        values[name] = utc(values[name])
    return JobRecord.model_validate(values)


def plan_jobs(
    session: Session, planned: Sequence[tuple[str, str, int | None]], at: datetime
) -> None:
    """Make sure each (name, kind, every_seconds) has its row; a new job is due at once.

    Processes that start together (a server and its workers) plan the same jobs at once: the
    first one's row stands.
    """
    known = {row.name: row for row in session.execute(select(jobs.c.name, jobs.c.every_seconds))}
    new = [
        {
            "name": name,
            "kind": kind,
            "every_seconds": every,
            "due_at": at,
            "state": "idle",
            "failures": 0,
            "runs": 0,
        }
        for name, kind, every in planned
        if name not in known
    ]
    insert_missing(session, jobs, new, key="name")
    for name, _, every in planned:
        if name in known and known[name].every_seconds != every:
            session.execute(update(jobs).where(jobs.c.name == name).values(every_seconds=every))


def claim_due(
    session: Session, name: str, owner: str, at: datetime, lease: timedelta
) -> datetime | None:
    """Take the lease of a due job whose lease is free or ran out; its slot, or None if not."""
    row = session.execute(select(jobs.c.due_at).where(jobs.c.name == name)).first()
    if row is None or row.due_at is None or utc(row.due_at) > at:  # type: ignore[operator]
        return None
    taken = session.execute(
        update(jobs)
        .where(
            jobs.c.name == name,
            jobs.c.due_at == row.due_at,
            or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < at),
        )
        .values(lease_owner=owner, lease_until=at + lease, state="running", last_started_at=at)
    )
    return utc(row.due_at) if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def start_run(session: Session, name: str, owner: str, slot: datetime | None, at: datetime) -> int:
    """Note that a run began (also for jobs the queue hands out); the run's id.

    One run of a job at a time holds its lease or queue lock, so a run still marked running
    was killed: it is marked abandoned (this run picks up where it stopped).
    """
    session.execute(
        update(job_runs)
        .where(job_runs.c.job == name, job_runs.c.status == "running")
        .values(status="abandoned")
    )
    session.execute(
        update(jobs)
        .where(jobs.c.name == name)
        .values(state="running", last_started_at=at, lease_owner=owner)
    )
    inserted = session.execute(
        job_runs.insert().values(job=name, owner=owner, slot=slot, started_at=at, status="running")
    )
    return int(inserted.inserted_primary_key[0])  # type: ignore[attr-defined]


def renew(session: Session, name: str, owner: str, at: datetime, lease: timedelta) -> bool:
    """Extend a lease this owner holds; False when it was lost (it ran out and was taken)."""
    renewed = session.execute(
        update(jobs)
        .where(jobs.c.name == name, jobs.c.lease_owner == owner)
        .values(lease_until=at + lease)
    )
    return renewed.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def note_progress(session: Session, name: str, run_id: int, progress: dict[str, Any]) -> None:
    """Keep a running job's progress so far (shown on the jobs page and API)."""
    session.execute(update(jobs).where(jobs.c.name == name).values(progress=progress))
    session.execute(update(job_runs).where(job_runs.c.id == run_id).values(detail=progress))


def finish_run(
    session: Session,
    name: str,
    run_id: int,
    at: datetime,
    *,
    error: str | None,
    next_due: datetime | None,
    progress: dict[str, Any] | None = None,
) -> None:
    """Record how a run ended, free its lease and set the next slot (the retry's, on failure)."""
    status = "failed" if error else "succeeded"
    values: dict[str, Any] = {
        "lease_owner": None,
        "lease_until": None,
        "last_finished_at": at,
        "last_status": status,
        "last_error": error,
        "state": "retrying" if error else "idle",
        "runs": jobs.c.runs + 1,
        "failures": jobs.c.failures + 1 if error else 0,
    }
    if next_due is not None:
        values["due_at"] = next_due
    if progress is not None:
        values["progress"] = progress
    session.execute(update(jobs).where(jobs.c.name == name).values(**values))
    run_values: dict[str, Any] = {"finished_at": at, "status": status}
    if progress is not None:
        run_values["detail"] = {**progress, **({"error": error} if error else {})}
    session.execute(update(job_runs).where(job_runs.c.id == run_id).values(**run_values))


def failures(session: Session, name: str) -> int:
    """How many runs of a job failed in a row."""
    return int(session.execute(select(jobs.c.failures).where(jobs.c.name == name)).scalar() or 0)


def list_jobs(session: Session) -> list[JobRecord]:
    """Every job, by name."""
    return [_record(row) for row in session.execute(select(jobs).order_by(jobs.c.name))]


def list_runs(session: Session, job: str | None = None, limit: int = 50) -> list[RunRecord]:
    """The newest runs first, of one job or of all."""
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if job is not None:
        query = query.where(job_runs.c.job == job)
    runs = []
    for row in session.execute(query):
        values = dict(row._mapping)
        values["slot"] = utc(values["slot"])
        values["started_at"] = utc(values["started_at"])
        values["finished_at"] = utc(values["finished_at"])
        runs.append(RunRecord.model_validate(values))
    return runs
