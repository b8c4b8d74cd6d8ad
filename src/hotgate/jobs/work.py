"""Doing one job: a tracker's sync, re-deciding open bugs, or a pass of notifications.

Every job resumes where it stopped: sync commits each page with its cursor, the recheck each
batch with the last key it decided, notifications move their cursors with the outbox rows.
So a job killed halfway and run again does nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotgate import service, store
from hotgate.calendars.served import ServedCalendar
from hotgate.jobs.schedule import Job
from hotgate.model import Issue
from hotgate.notify.deliver import notify_pass
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy, load_policy
from hotgate.store.records import now
from hotgate.store.tables import issues
from hotgate.sync.config import SourcesFile, load_sources
from hotgate.sync.run import SyncReport, sync_source

Progress = Callable[[dict[str, Any]], None]
RECHECK_CURSOR = "recheck:calendar"
RECHECK_BATCH = 500
DONE = "done"
CLOSED = {"closed", "resolved", "verified", "done", "fixed", "wontfix", "invalid", "duplicate"}


@dataclass
class Runtime:
    """What every job needs: the store, the policy, the calendar and the sources file."""

    sessions: sessionmaker[Session]
    policy: Policy
    calendar: ServedCalendar
    sources: SourcesFile
    next_release: date | None = None

    def context(self, day: date | None = None) -> Context:
        """The decision context of a day (today by default), as the server decides."""
        day = day or date.today()
        return context_from_options(day, self.next_release, self.calendar.on(day))


def runtime_for(
    url: str,
    policy_path: Path | None,
    sources_path: Path | None,
    calendars: list[str] | None = None,
    next_release: date | None = None,
) -> Runtime:
    """A runtime on an up-to-date store, reading the policy and the sources file."""
    policy = load_policy(policy_path)
    engine = service.open_store(url)
    return Runtime(
        sessions=store.session_factory(engine),
        policy=policy,
        calendar=ServedCalendar(policy, calendars or []),
        sources=load_sources(sources_path),
        next_release=next_release,
    )


def _sync_progress(report: SyncReport) -> dict[str, Any]:
    return {
        "pages": report.pages,
        "pulled": report.pulled,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "decided": report.decided,
        "verdicts_changed": report.verdicts_changed,
        "skipped": len(report.skipped),
        "cursor": report.cursor,
    }


def run_sync(job: Job, runtime: Runtime, progress: Progress) -> dict[str, Any]:
    """Sync one source from its cursor, noting progress after each committed page."""
    config = next(s for s in runtime.sources.sources if s.name == job.source)
    report = sync_source(
        config,
        runtime.sessions,
        runtime.policy,
        runtime.context(),
        after_commit=lambda r: progress(_sync_progress(r)),
    )
    return _sync_progress(report)


def calendar_state(context: Context, policy: Policy) -> str:
    """What of the calendar a decision weighs, in words: the release, its nearness, a blackout."""
    release = context.release
    if release is None:
        moment = "no release"
    else:
        near = release.days_until <= policy.timing.wait_within_days
        moment = f"{release.kind} {release.name} on {release.date}" + (" (near)" if near else "")
    blackout = getattr(context.blackout, "name", None)
    return moment + (f"; blackout {blackout}" if blackout else "")


def _stored_after(session: Session, after: str) -> tuple[list[Issue], str | None]:
    """The open bugs among the next stored issues after a key, and the last key read."""
    rows = session.execute(
        select(issues.c.key, issues.c.status, issues.c.document)
        .where(issues.c.key > after)
        .order_by(issues.c.key)
        .limit(RECHECK_BATCH)
    ).all()
    open_bugs = [
        Issue.model_validate(row.document)
        for row in rows
        if (row.status or "").strip().lower() not in CLOSED
    ]
    return open_bugs, (rows[-1].key if rows else None)


def run_recheck(_job: Job, runtime: Runtime, progress: Progress) -> dict[str, Any]:
    """Re-decide every open stored bug when the calendar moved since the last look."""
    context = runtime.context()
    state = calendar_state(context, runtime.policy)
    with runtime.sessions() as session:
        noted = store.get_cursor(session, RECHECK_CURSOR)
    if noted is None:  # the first look only notes the calendar: the bugs were just decided
        with runtime.sessions.begin() as session:
            store.set_cursor(session, RECHECK_CURSOR, f"{state}|{DONE}")
        return {"calendar": state, "decided": 0, "first_look": True}
    noted_state, _, last_key = noted.rpartition("|")
    if noted_state == state and last_key == DONE:
        return {"calendar": state, "decided": 0}
    after = last_key if noted_state == state else ""
    decided = changed = 0
    while True:
        with runtime.sessions.begin() as session:
            batch, last = _stored_after(session, after)
            if last is None:
                store.set_cursor(session, RECHECK_CURSOR, f"{state}|{DONE}")
                break
            if batch:
                trouble = store.troubled_hotfixes_by_component(session)
                made = service.decide_issues(batch, runtime.policy, context, trouble)
                changed += store.record_decisions(session, made).changed
                decided += len(made)
            after = last
            # the batch and how far it got are committed together: a rerun starts after it
            store.set_cursor(session, RECHECK_CURSOR, f"{state}|{after}")
        progress({"calendar": state, "decided": decided, "verdicts_changed": changed})
    return {"calendar": state, "decided": decided, "verdicts_changed": changed}


def run_notify(_job: Job, runtime: Runtime, _progress: Progress) -> dict[str, Any]:
    """One pass of notifications: new events queued, due messages sent, digests."""
    settings = runtime.sources.notifications
    if settings is None:
        return {}
    report = notify_pass(runtime.sessions, settings, runtime.policy, now())
    return {
        "events": report.events,
        "queued": report.queued,
        "sent": report.sent,
        "failed": report.failed,
        "digests": report.digests,
    }


RUNNERS: dict[str, Callable[[Job, Runtime, Progress], dict[str, Any]]] = {
    "sync": run_sync,
    "recheck": run_recheck,
    "notify": run_notify,
}


def run_job(job: Job, runtime: Runtime, progress: Progress) -> dict[str, Any]:
    """Do one job; what it did, for the jobs page."""
    return RUNNERS[job.kind](job, runtime, progress)
