"""Real hotgate processes for the jobs tests: servers and workers on one database, and a tracker.

The tracker is the recorded-answer replay server of tests/sources; a recording is joined with
copies of an empty page "since the last cursor", so a sync that runs again and again on a
schedule always finds its answer (and a request nobody recorded still fails the test).
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hotgate import store
from hotgate.store.jobs import JobRecord, RunRecord
from hotgate.store.jobs import list_jobs as stored_jobs
from sources.replay import RECORDINGS, Replay, serve

SOURCE = "github:acme/shop"
SYNC_JOB = f"sync:{SOURCE}"
FIRST_PAGE = "GET /repos/acme/shop/issues?state=all&sort=updated&direction=asc&per_page=2"


def empty_pages(since: str, copies: int) -> list[dict[str, Any]]:
    """Copies of the tracker's answer that nothing changed since a cursor."""
    return [{"request": f"{FIRST_PAGE}&since={since}", "body": []} for _ in range(copies)]


def tracker(
    *recordings: str,
    then_empty_since: str | None = None,
    copies: int = 400,
    no_workaround: tuple[int, ...] = (),
) -> Replay:
    """A replay server answering these recordings in turn, then empty pages since a cursor.

    The reports of the issue numbers in no_workaround also say there is no workaround (the
    recordings' bugs otherwise leave it unknown, so none is a hotfix).
    """
    import json

    interactions: list[dict[str, Any]] = []
    for name in recordings:
        interactions += json.loads((RECORDINGS / f"{name}.json").read_text())["interactions"]
    for interaction in interactions:
        for record in interaction.get("body") or []:
            if isinstance(record, dict) and record.get("number") in no_workaround:
                record["body"] += " There is no workaround."
    if then_empty_since:
        interactions += empty_pages(then_empty_since, copies)
    replay = Replay(interactions=interactions)
    replay.server = serve(replay)  # type: ignore[attr-defined]
    return replay


def stop_tracker(replay: Replay) -> None:
    """Stop a tracker; fail when it was asked anything it had no recording for."""
    replay.release.set()
    replay.server.shutdown()  # type: ignore[attr-defined]
    replay.server.server_close()  # type: ignore[attr-defined]
    assert not replay.misses, f"requests with no recording: {replay.misses}"


def sources_file(folder: Path, replay: Replay, every: str, extra: str = "") -> Path:
    """A sources file syncing the replayed tracker on a schedule."""
    path = folder / "hotgate-sources.yaml"
    path.write_text(
        f"sources:\n  - source: {SOURCE}\n    every: {every}\n"
        f"    settings: {{url: '{replay.base}', page_size: 2, attempts: 1}}\n{extra}"
    )
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database: str, **extra: str) -> dict[str, str]:
    """The environment of a hotgate process on this database (a quick scheduler for tests)."""
    return {
        **os.environ,
        "HOTGATE_DATABASE_URL": database,
        "HOTGATE_GITHUB_TOKEN": "t",
        "HOTGATE_JOB_TICK_SECONDS": "0.2",
        **extra,
    }


def start(args: list[str], folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start `hotgate ARGS` as its own process, its output kept in files of the folder."""
    name = f"{args[0]}-{time.monotonic_ns()}"
    return subprocess.Popen(
        [sys.executable, "-m", "hotgate", *args],
        cwd=folder,
        env=env,
        stdout=(folder / f"{name}.out").open("w"),
        stderr=(folder / f"{name}.err").open("w"),
        text=True,
    )


def logs(folder: Path) -> str:
    """Everything the test's processes wrote on stderr, for a failing assertion's message."""
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(folder.glob("*.err")))


@contextmanager
def running(processes: list[subprocess.Popen[str]]) -> Iterator[list[subprocess.Popen[str]]]:
    """Stop every process at the end (SIGTERM, then SIGKILL if it lingers)."""
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(check: Callable[[], Any], what: str, folder: Path, timeout: float = 90.0) -> Any:
    """Poll until check() gives a true value; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except Exception:  # the database may still be migrating
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} never happened\n{logs(folder)}"
        time.sleep(0.1)


def job_state(database: str, name: str = SYNC_JOB) -> tuple[JobRecord | None, list[RunRecord]]:
    """A job's row and all its runs, oldest first."""
    engine = store.make_engine(database)
    try:
        with store.session_factory(engine)() as session:
            job = next((j for j in stored_jobs(session) if j.name == name), None)
            from hotgate.store.jobs import list_runs

            runs = list(reversed(list_runs(session, name, limit=10_000)))
    finally:
        engine.dispose()
    return job, runs


def counts(database: str) -> tuple[int, int, int, str | None]:
    """Issues, decisions, latest decisions and the source's cursor."""
    from sqlalchemy import func

    from hotgate.store.tables import decisions, issues

    engine = store.make_engine(database)
    try:
        with store.session_factory(engine)() as session:
            n_issues = session.execute(select(func.count()).select_from(issues)).scalar_one()
            n_decisions = session.execute(select(func.count()).select_from(decisions)).scalar_one()
            latest = session.execute(
                select(func.count()).select_from(decisions).where(decisions.c.latest.is_(True))
            ).scalar_one()
            return n_issues, n_decisions, latest, store.get_cursor(session, SOURCE)
    finally:
        engine.dispose()


def assert_once_per_slot(runs: list[RunRecord]) -> None:
    """Every run succeeded, none began before its slot, no slot ran twice, none overlapped."""
    assert all(run.status == "succeeded" for run in runs), runs
    assert all(run.slot is not None and run.started_at >= run.slot for run in runs), runs
    slots = [run.slot for run in runs]
    assert len(set(slots)) == len(slots), f"a slot ran twice: {slots}"
    for before, after in itertools.pairwise(runs):
        assert before.finished_at is not None
        assert after.started_at >= before.finished_at, f"runs overlapped: {before} {after}"


def kill_the_holder_mid_sync(
    processes: list[subprocess.Popen[str]], replay: Replay, database: str, folder: Path
) -> int:
    """Kill -9 the process holding the sync job while it waits on page 3, then let the others
    take it over: the store keeps what the killed run committed, and another run succeeds.
    Returns the killed process's id."""
    wait_for(lambda: any("page=3" in s.target for s in replay.seen), "page 3", folder)
    job, _ = job_state(database)
    assert job is not None and job.lease_owner is not None
    holder_pid = int(job.lease_owner.split(":")[1])
    holder = next(p for p in processes if p.pid == holder_pid)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    replay.release.set()
    assert counts(database) == (4, 4, 4, "2024-05-04T10:00:00Z")
    wait_for(
        lambda: any(r.status == "succeeded" for r in job_state(database)[1]),
        "another process finishing the sync",
        folder,
    )
    return holder_pid
