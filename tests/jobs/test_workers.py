"""`hotgate worker` processes on PostgreSQL: scheduled through procrastinate, once per slot,
and a worker killed mid-job leaves the job to another with nothing lost or done twice."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from hotgate import store

from .processes import (
    SOURCE,
    assert_once_per_slot,
    counts,
    environment,
    job_state,
    kill_the_holder_mid_sync,
    running,
    sources_file,
    start,
    stop_tracker,
    tracker,
    wait_for,
)

pytestmark = pytest.mark.postgres
LAST = "2024-05-06T10:00:00Z"
WORKER = ["worker", "--sources", "hotgate-sources.yaml", "--heartbeat", "0.5"]


def test_two_workers_run_each_scheduled_sync_once(postgres_database: str, tmp_path: Path) -> None:
    replay = tracker("github_sync_from_page_1", then_empty_since=LAST)
    with store.session_factory(store.make_engine(postgres_database)).begin() as session:
        store.set_cursor(session, SOURCE, "2024-05-02T10:00:00Z")
    sources_file(tmp_path, replay, every="1s")
    env = environment(postgres_database)
    try:
        workers = [start(WORKER, tmp_path, env) for _ in range(2)]
        with running(workers):
            wait_for(
                lambda: sum(r.status == "succeeded" for r in job_state(postgres_database)[1]) >= 8,
                "eight scheduled syncs",
                tmp_path,
            )
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=30)
    finally:
        stop_tracker(replay)
    _, runs = job_state(postgres_database)
    assert_once_per_slot(runs)
    first = runs[0].detail or {}
    assert (first["pulled"], first["inserted"], first["decided"]) == (5, 5, 5)
    assert len(replay.seen) == 2 + (len(runs) - 1)
    assert counts(postgres_database) == (5, 5, 5, LAST)


@pytest.mark.parametrize(
    "every",
    [
        # the next slot is queued while the killed run stalls: that run takes over
        "1s",
        # nothing else queued: the stalled run itself is handed to the other worker
        "10m",
    ],
)
def test_a_worker_killed_mid_job_leaves_it_to_another(
    postgres_database: str, tmp_path: Path, every: str
) -> None:
    # page 3 of github_sync is held unanswered; github_sync_resume answers the resumed sync
    replay = tracker("github_sync", "github_sync_resume", then_empty_since=LAST)
    sources_file(tmp_path, replay, every=every)
    env = environment(postgres_database)
    try:
        workers = [start([*WORKER, "--stalled-after", "10"], tmp_path, env) for _ in range(2)]
        with running(workers):
            holder_pid = kill_the_holder_mid_sync(workers, replay, postgres_database, tmp_path)
    finally:
        stop_tracker(replay)
    _, runs = job_state(postgres_database)
    assert runs[0].status == "abandoned"
    assert int(runs[0].owner.split(":")[1]) == holder_pid
    resumed = runs[1]
    assert resumed.status == "succeeded"
    assert int(resumed.owner.split(":")[1]) != holder_pid
    if every == "10m":
        assert resumed.slot == runs[0].slot  # the same queued job, handed on
    else:
        assert resumed.slot > runs[0].slot  # type: ignore[operator]  # the next slot's job
    detail = resumed.detail or {}
    assert (detail["pulled"], detail["inserted"], detail["unchanged"]) == (3, 2, 1)
    assert all(run.status == "succeeded" for run in runs[1:])
    assert all((run.detail or {})["pulled"] <= 1 for run in runs[2:])  # nothing new after
    assert counts(postgres_database) == (6, 6, 6, LAST)
    assert [i for i in replay.unused() if "since=2024-05-06" not in i] == []
