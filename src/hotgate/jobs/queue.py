"""The jobs on PostgreSQL: procrastinate's queue hands them to `hotgate worker` processes.

procrastinate defers each scheduled job once per slot whichever workers are running (its
periodic-defer table refuses a second), queues at most one per job (queueing lock) and runs
one at a time per job (lock). A failed job is retried with backoff. A worker killed mid-job
stops sending its heartbeat; a check every few seconds hands that job to another worker (or,
when the job's next slot is already queued, lets that one run), which resumes it from the
job's cursor.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import procrastinate
import procrastinate.exceptions
import procrastinate.jobs
import psycopg.errors
from sqlalchemy.engine import make_url

from hotgate.jobs.lease import record_run, runner_name
from hotgate.jobs.schedule import Job, cron_of
from hotgate.jobs.work import Runtime
from hotgate.store import jobs as job_store
from hotgate.store.records import now

log = logging.getLogger(__name__)
TASK = "hotgate.run_job"
STALLED_TASK = "hotgate.retry_stalled_jobs"
# 5 s, then 5 + 3**2 = 14 s, 32 s, 86 s, 248 s: six tries over about six minutes
RETRY = procrastinate.RetryStrategy(max_attempts=6, wait=5, exponential_wait=3)


def conninfo(url: str) -> str:
    """The libpq address of a SQLAlchemy PostgreSQL URL (its options, such as search_path, kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    """Whether a database URL is PostgreSQL (where the queue runs the jobs)."""
    return make_url(url).get_backend_name() == "postgresql"


class Queue:
    """The procrastinate app of one store, with a task per scheduled job of the sources file."""

    def __init__(self, url: str, runtime: Runtime, jobs: list[Job], stalled_after: float) -> None:
        self.runtime, self.stalled_after = runtime, stalled_after
        self.jobs = {job.name: job for job in jobs}
        self.owner = runner_name()
        connector = procrastinate.PsycopgConnector(conninfo=conninfo(url))
        self.app = procrastinate.App(connector=connector)
        run = self.app.task(name=TASK, retry=RETRY)(self._run)
        for job in jobs:
            self.app.periodic(
                cron=cron_of(job.every),
                periodic_id=job.name,
                task_kwargs={"name": job.name},
                lock=job.name,
                queueing_lock=job.name,
            )(run)
        stalled = self.app.task(name=STALLED_TASK, queueing_lock=STALLED_TASK)(self._retry_stalled)
        self.app.periodic(cron="* * * * * */5", periodic_id="stalled")(stalled)

    def _run(self, timestamp: int | None = None, name: str = "") -> None:
        """Run one scheduled job (procrastinate calls this in a worker thread)."""
        job = self.jobs.get(name)
        if job is None:
            log.warning("job %s is not in this worker's sources file; skipped", name)
            return
        slot = datetime.fromtimestamp(timestamp, UTC) if timestamp else None
        record_run(self.runtime, job, self.owner, slot)

    async def _retry_stalled(self, timestamp: int | None = None) -> None:  # noqa: ARG002
        """Give the jobs of workers that stopped sending heartbeats to the next free worker."""
        manager = self.app.job_manager
        for stalled in await manager.get_stalled_jobs(seconds_since_heartbeat=self.stalled_after):
            log.warning("job %s of a stopped worker is handed on", stalled.id)
            try:
                await manager.retry_job(stalled)
            except (procrastinate.exceptions.UniqueViolation, psycopg.errors.UniqueViolation):
                # The job's next slot is already queued (one waits at a time): that run resumes
                # from the cursor instead. Closing the stalled run frees the job's lock for it.
                await manager.finish_job(
                    stalled, status=procrastinate.jobs.Status.FAILED, delete_job=False
                )

    def run_worker(self, heartbeat: float, concurrency: int = 1) -> None:
        """Run a worker until it is stopped (Ctrl+C or SIGTERM finish the job in hand first)."""
        with self.runtime.sessions.begin() as session:
            planned = [(j.name, j.kind, j.every) for j in self.jobs.values()]
            job_store.plan_jobs(session, planned, now())
        options: dict[str, Any] = {
            "concurrency": concurrency,
            "name": self.owner,
            "update_heartbeat_interval": heartbeat,
            "stalled_worker_timeout": self.stalled_after,
            "delete_jobs": "successful",
        }
        self.app.run_worker(**options)
