"""`hotgate worker`: run the scheduled jobs through the PostgreSQL queue (and serve's own)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hotgate.cli.app import (
    CalendarOption,
    NextReleaseOption,
    PolicyOption,
    app,
    err,
    fail,
    guarded,
    parse_day,
    policy_file,
)
from hotgate.sync import DEFAULT_FILE

if TYPE_CHECKING:
    from hotgate.api.settings import Settings

SOURCES_ENV = "HOTGATE_SOURCES"
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        "--sources",
        help=(
            f"Sources file with the scheduled jobs (default: ${SOURCES_ENV}, else "
            f"./{DEFAULT_FILE} if present)."
        ),
    ),
]


def sources_file(path: Path | None) -> Path | None:
    """The sources file: --sources, else $HOTGATE_SOURCES, else ./hotgate-sources.yaml if any."""
    if path is not None:
        return path
    if os.environ.get(SOURCES_ENV):
        return Path(os.environ[SOURCES_ENV])
    return Path(DEFAULT_FILE) if Path(DEFAULT_FILE).is_file() else None


def announce_jobs(settings: Settings) -> None:
    """Say on stderr which scheduled jobs the server runs, or that workers run them."""
    from hotgate.jobs.queue import is_postgres
    from hotgate.jobs.schedule import planned_jobs
    from hotgate.sync.config import load_sources

    jobs = planned_jobs(load_sources(settings.sources))
    if not jobs:
        return
    names = ", ".join(f"{job.name} every {job.every} s" for job in jobs)
    where = "hotgate worker processes run" if is_postgres(settings.url()) else "this server runs"
    err.print(f"Scheduled jobs ({where} them): {names}.", markup=False)


@app.command()
def worker(
    db: Annotated[
        str | None,
        typer.Option("--db", help="PostgreSQL URL (default: $HOTGATE_DATABASE_URL)."),
    ] = None,
    sources: SourcesOption = None,
    policy_path: PolicyOption = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
    heartbeat: Annotated[
        float, typer.Option("--heartbeat", help="Seconds between the worker's heartbeats.", min=0.1)
    ] = 10.0,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            help="Seconds without a heartbeat after which a worker's job goes to another.",
            min=0.5,
        ),
    ] = 30.0,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Jobs this worker runs at once.", min=1, max=32)
    ] = 1,
) -> None:
    """Run scheduled jobs from the PostgreSQL queue; start as many workers as you like."""
    from hotgate import store
    from hotgate.jobs.queue import Queue, is_postgres
    from hotgate.jobs.schedule import planned_jobs
    from hotgate.jobs.work import runtime_for

    url = db or store.default_database_url(policy_file(policy_path))
    if not is_postgres(url):
        fail(
            "hotgate worker needs PostgreSQL (--db or HOTGATE_DATABASE_URL); on SQLite "
            "`hotgate serve` runs the scheduled jobs itself"
        )
    path = sources_file(sources)
    if path is None:
        fail(f"no sources file: give --sources FILE, set {SOURCES_ENV} or write ./{DEFAULT_FILE}")
    day = parse_day(next_release, "--next-release")
    runtime = guarded(lambda: runtime_for(url, policy_file(policy_path), path, calendar, day))
    jobs = planned_jobs(runtime.sources)
    if not jobs:
        fail(f"{path}: no scheduled jobs (give a source `every:`, or a recheck or notifications)")
    queue = Queue(url, runtime, jobs, stalled_after)
    names = ", ".join(job.name for job in jobs)
    err.print(f"hotgate worker {queue.owner}: jobs {names}; Ctrl+C stops it.", markup=False)
    queue.run_worker(heartbeat, concurrency)
