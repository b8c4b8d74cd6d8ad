"""Scheduled jobs in the server: the embedded scheduler, `GET /api/v1/jobs` and the jobs page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from hotgate.api import problems
from hotgate.api.deps import Caller, SessionDep, require
from hotgate.api.pages import _caller, _render, _signin
from hotgate.api.settings import Settings
from hotgate.jobs.lease import Scheduler
from hotgate.jobs.queue import is_postgres
from hotgate.jobs.schedule import planned_jobs
from hotgate.jobs.work import Runtime
from hotgate.services import activity
from hotgate.services.activity import JobRecord, NotificationRecord, RunRecord
from hotgate.sync.config import load_sources

router = APIRouter()


class JobsAnswer(BaseModel):
    """Every scheduled job with its state and last run, recent runs, recent notifications."""

    runner: str
    jobs: list[JobRecord]
    runs: list[RunRecord]
    notifications: list[NotificationRecord]


def start_jobs(app: FastAPI) -> Scheduler | None:
    """Start the embedded scheduler when the server has a sources file and a SQLite store.

    On PostgreSQL the jobs run in `hotgate worker` processes instead, and the server only
    shows them.
    """
    settings: Settings = app.state.settings
    if settings.sources is None or is_postgres(settings.url()):
        return None
    sources = load_sources(settings.sources)
    jobs = planned_jobs(sources)
    if not jobs:
        return None
    runtime = Runtime(
        sessions=app.state.sessions,
        policy=app.state.policy,
        calendar=app.state.calendar,
        sources=sources,
        next_release=settings.next_release,
    )
    lease = timedelta(seconds=settings.job_lease_seconds)
    scheduler = Scheduler(runtime, jobs, tick=settings.job_tick_seconds, lease=lease)
    scheduler.start()
    return scheduler


def _runner(request: Request) -> str:
    settings: Settings = request.app.state.settings
    if is_postgres(settings.url()):
        return "queue: hotgate worker processes"
    return "embedded: this server" if request.app.state.scheduler else "none: no scheduled jobs"


def _answer(request: Request, session: Any) -> JobsAnswer:
    return JobsAnswer(
        runner=_runner(request),
        jobs=activity.list_jobs(session),
        runs=activity.list_runs(session, limit=30),
        notifications=activity.list_notifications(session, limit=30),
    )


@router.get(
    "/api/v1/jobs",
    response_model=JobsAnswer,
    tags=["jobs"],
    responses=problems.answers(*problems.SIGNED),
)
def list_jobs(
    request: Request, session: SessionDep, _caller: Annotated[Caller, Depends(require("viewer"))]
) -> JobsAnswer:
    """Each scheduled job: due when, held by whom, its progress and last run; recent runs and
    notifications (never a route's address)."""
    return _answer(request, session)


@router.get("/jobs", response_class=HTMLResponse, include_in_schema=False)
def jobs_page(request: Request, session: SessionDep) -> Response:
    """The jobs page: what runs on its own, how far it got, and what was sent."""
    caller = _caller(request)
    if caller is None:
        return _signin(request)
    return _render(request, "jobs.html", caller, **_answer(request, session).__dict__)
