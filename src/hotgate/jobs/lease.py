"""The embedded scheduler: `hotgate serve` runs due jobs itself, holding a lease row for each.

Servers sharing one database each look for due jobs every few seconds; the store's lease (one
conditional UPDATE) lets exactly one take a due job. The holder renews its lease while the
job runs; a server killed mid-job stops renewing, its lease runs out, and another server
takes the job again from where it stopped (every job resumes from its cursor).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hotgate.jobs.schedule import Job
from hotgate.jobs.work import Runtime, run_job
from hotgate.store import jobs as job_store
from hotgate.store.records import now

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(seconds=30)


def runner_name() -> str:
    """Who runs a job: host, process and a short random part (a restarted pid differs)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def next_slot(every: int, at: datetime) -> datetime:
    """The next round mark of an interval after a moment (every 15 min: :00, :15, :30, :45)."""
    seconds = int(at.timestamp()) // every * every + every
    return datetime.fromtimestamp(seconds, UTC)


def retry_slot(every: int, failures: int, at: datetime) -> datetime:
    """When a failed job is tried again: 30 s, 1 min, 2 min … but never later than its interval."""
    wait = min(FIRST_RETRY * (2 ** max(failures - 1, 0)), timedelta(seconds=every))
    later: datetime = at + wait
    return later


def first_error_line(exc: BaseException) -> str:
    """One line saying what went wrong, for the jobs page."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")[:500]


def record_run(runtime: Runtime, job: Job, owner: str, slot: datetime | None) -> dict[str, Any]:
    """Run a job and keep its run on record: progress as it goes, the end, the next slot."""
    with runtime.sessions.begin() as session:
        run_id = job_store.start_run(session, job.name, owner, slot, now())

    def progress(done: dict[str, Any]) -> None:
        with runtime.sessions.begin() as session:
            job_store.note_progress(session, job.name, run_id, done)

    try:
        result = run_job(job, runtime, progress)
    except Exception as exc:
        at = now()
        with runtime.sessions.begin() as session:
            failures = job_store.failures(session, job.name) + 1
            job_store.finish_run(
                session,
                job.name,
                run_id,
                at,
                error=first_error_line(exc),
                next_due=retry_slot(job.every, failures, at),
            )
        raise
    at = now()
    with runtime.sessions.begin() as session:
        job_store.finish_run(
            session,
            job.name,
            run_id,
            at,
            error=None,
            next_due=next_slot(job.every, at),
            progress=result,
        )
    return result


class Scheduler:
    """Looks for due jobs every `tick` seconds in a thread, and runs those it can lease."""

    def __init__(
        self,
        runtime: Runtime,
        jobs: list[Job],
        tick: float = 5.0,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.runtime, self.jobs, self.tick, self.lease = runtime, jobs, tick, lease
        self.owner = runner_name()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def plan(self) -> None:
        """Make sure every job has its row (a new one is due at once)."""
        with self.runtime.sessions.begin() as session:
            job_store.plan_jobs(session, [(j.name, j.kind, j.every) for j in self.jobs], now())

    def start(self) -> None:
        """Plan the jobs and start looking for due ones in a background thread."""
        self.plan()
        self._thread = threading.Thread(target=self._loop, name="hotgate-jobs", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 30.0) -> None:
        """Stop after the job that runs now, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=wait)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # the scheduler outlives a broken database moment
                log.exception("looking for due jobs failed")
            self._stop.wait(self.tick)

    def run_due(self) -> list[str]:
        """Run every due job this server can lease now; the names of those it ran."""
        ran = []
        for job in self.jobs:
            if self._stop.is_set():
                break
            with self.runtime.sessions.begin() as session:
                slot = job_store.claim_due(session, job.name, self.owner, now(), self.lease)
            if slot is None:
                continue
            ran.append(job.name)
            done = threading.Event()
            beat = threading.Thread(target=self._renew, args=(job, done), daemon=True)
            beat.start()
            try:
                record_run(self.runtime, job, self.owner, slot)
            except Exception as exc:
                log.warning("job %s failed and will be tried again: %s", job.name, exc)
            finally:
                done.set()
                beat.join()
        return ran

    def _renew(self, job: Job, done: threading.Event) -> None:
        """Renew the lease a third of its length at a time while the job runs."""
        while not done.wait(self.lease.total_seconds() / 3):
            try:
                with self.runtime.sessions.begin() as session:
                    kept = job_store.renew(session, job.name, self.owner, now(), self.lease)
            except Exception as exc:  # a busy moment; the next beat tries again
                log.warning("job %s: could not renew its lease: %s", job.name, exc)
                continue
            if not kept:
                log.warning("job %s: this server's lease ran out while it ran", job.name)
