"""`hotgate serve` runs scheduled jobs itself on SQLite: on time, once, and again after a kill."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import unquote

from hotgate import store
from hotgate.jobs.lease import next_slot
from notify.endpoint import serving

from .processes import (
    SOURCE,
    assert_once_per_slot,
    counts,
    environment,
    free_port,
    job_state,
    kill_the_holder_mid_sync,
    logs,
    running,
    sources_file,
    start,
    stop_tracker,
    tracker,
    wait_for,
)

LAST = "2024-05-06T10:00:00Z"


def _from_page_one(database: str) -> None:
    """Where the recording github_sync_from_page_1 begins."""
    with store.session_factory(store.make_engine(database)).begin() as session:
        store.set_cursor(session, SOURCE, "2024-05-02T10:00:00Z")


def _serve(folder: Path, env: dict[str, str]) -> list[str]:
    return ["serve", "--port", str(free_port()), "--sources", str(folder / "hotgate-sources.yaml")]


def test_a_scheduled_sync_runs_on_time(sqlite_database: str, tmp_path: Path) -> None:
    replay = tracker("github_sync_from_page_1", then_empty_since=LAST)
    _from_page_one(sqlite_database)
    sources_file(tmp_path, replay, every="5s")
    env = environment(sqlite_database)
    try:
        with running([start(_serve(tmp_path, env), tmp_path, env)]):
            wait_for(
                lambda: sum(r.status == "succeeded" for r in job_state(sqlite_database)[1]) >= 2,
                "two scheduled syncs",
                tmp_path,
            )
    finally:
        stop_tracker(replay)
    job, runs = job_state(sqlite_database)
    first, second = runs[0], runs[1]
    assert first.detail is not None and second.detail is not None
    # the first run is due as soon as the job is planned: it pulls what changed since the cursor
    assert (first.status, first.detail["pulled"], first.detail["inserted"]) == ("succeeded", 5, 5)
    assert first.detail["decided"] == 5
    # the second waits for the next round 5-second mark after the first ended, never earlier
    assert second.slot == next_slot(5, first.finished_at)  # type: ignore[arg-type]
    assert second.started_at >= second.slot  # type: ignore[operator]
    assert (second.status, second.detail["pulled"], second.detail["decided"]) == ("succeeded", 0, 0)
    assert counts(sqlite_database) == (5, 5, 5, LAST)
    assert job is not None and job.last_status == "succeeded" and job.failures == 0
    targets = [unquote(seen.target) for seen in replay.seen]
    assert targets[:2] == [
        "/repos/acme/shop/issues?state=all&sort=updated&direction=asc&per_page=2"
        "&since=2024-05-02T10:00:00Z",
        "/repositories/7/issues?page=2&since=x",
    ]
    assert all(target.endswith(f"&since={LAST}") for target in targets[2:])


def test_two_servers_on_one_database_never_run_a_job_twice(
    sqlite_database: str, tmp_path: Path
) -> None:
    replay = tracker("github_sync_from_page_1", then_empty_since=LAST)
    _from_page_one(sqlite_database)
    sources_file(tmp_path, replay, every="1s")
    env = environment(sqlite_database)
    try:
        servers = [start(_serve(tmp_path, env), tmp_path, env) for _ in range(2)]
        with running(servers):
            wait_for(
                lambda: sum(r.status == "succeeded" for r in job_state(sqlite_database)[1]) >= 8,
                "eight scheduled syncs",
                tmp_path,
            )
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=30)
    finally:
        stop_tracker(replay)
    _, runs = job_state(sqlite_database)
    assert_once_per_slot(runs)
    # the tracker was asked exactly once per run: two pages the first time, one page after
    assert len(replay.seen) == 2 + (len(runs) - 1)
    assert counts(sqlite_database) == (5, 5, 5, LAST)


def test_a_server_killed_mid_sync_leaves_the_job_to_the_other(
    sqlite_database: str, tmp_path: Path
) -> None:
    # page 3 of github_sync is held unanswered; github_sync_resume answers the resumed sync
    replay = tracker("github_sync", "github_sync_resume", then_empty_since=LAST)
    sources_file(tmp_path, replay, every="1h")
    env = environment(sqlite_database, HOTGATE_JOB_LEASE_SECONDS="3")
    try:
        servers = [start(_serve(tmp_path, env), tmp_path, env) for _ in range(2)]
        with running(servers):
            holder_pid = kill_the_holder_mid_sync(servers, replay, sqlite_database, tmp_path)
    finally:
        stop_tracker(replay)
    _, runs = job_state(sqlite_database)
    assert [run.status for run in runs] == ["abandoned", "succeeded"]
    assert int(runs[0].owner.split(":")[1]) == holder_pid
    assert int(runs[1].owner.split(":")[1]) != holder_pid
    assert runs[0].slot == runs[1].slot  # the same slot, finished by the other server
    detail = runs[1].detail or {}
    assert (detail["pulled"], detail["inserted"], detail["unchanged"]) == (3, 2, 1)
    assert counts(sqlite_database) == (6, 6, 6, LAST)
    assert [i for i in replay.unused() if "since=2024-05-06" not in i] == []


def test_a_running_server_tells_the_team_about_what_its_sync_decided(
    sqlite_database: str, tmp_path: Path
) -> None:
    replay = tracker("github_sync_from_page_1", then_empty_since=LAST, no_workaround=(3, 5))
    _from_page_one(sqlite_database)
    with serving() as endpoint:
        route = (
            "notifications:\n  every: 1s\n  routes:\n    - name: releases\n"
            "      url_env: HOTGATE_TEST_RELEASES_HOOK\n      events: [hotfix-candidate]\n"
        )
        sources_file(tmp_path, replay, every="1h", extra=route)
        hook = f"json://{endpoint.base}/hooks/{SECRET}"
        env = environment(sqlite_database, HOTGATE_TEST_RELEASES_HOOK=hook)
        try:
            with running([start(_serve(tmp_path, env), tmp_path, env)]):
                wait_for(
                    lambda: (
                        job_state(sqlite_database)[0] is not None
                        and (job_state(sqlite_database)[0].runs or 0) >= 1
                    ),  # type: ignore[union-attr]
                    "the sync",
                    tmp_path,
                )
                hotfixes = _hotfix_titles(sqlite_database)
                wait_for(lambda: len(endpoint.received) >= len(hotfixes), "the messages", tmp_path)
                _, notify_runs = job_state(sqlite_database, "notify")
                settled = len(notify_runs)
                wait_for(
                    lambda: len(job_state(sqlite_database, "notify")[1]) >= settled + 2,
                    "two more notify passes",
                    tmp_path,
                )
        finally:
            stop_tracker(replay)
    # bugs 3 and 5 say there is no workaround: hotfixes whatever else the policy finds
    assert {"Checkout bug 3", "Checkout bug 5"} <= {title for title, _ in hotfixes}
    assert sorted(endpoint.received) == sorted(
        (f"/hooks/{SECRET}", f"Hotfix candidate: {title}", body) for title, body in hotfixes
    )
    database_file = Path(sqlite_database.removeprefix("sqlite:///"))
    kept = b"".join(p.read_bytes() for p in database_file.parent.glob(database_file.name + "*"))
    assert SECRET.encode() not in kept  # the file, its WAL and shared memory
    assert SECRET not in logs(tmp_path)


SECRET = "t0ken-in-the-hook"


def _hotfix_titles(database: str) -> list[tuple[str, str]]:
    """Title and expected message text of every hotfix the sync recorded."""
    engine = store.make_engine(database)
    try:
        with store.session_factory(engine)() as session:
            summaries, _ = store.list_decisions(session, verdict="hotfix")
            found = []
            for summary in summaries:
                record = store.get_decision(session, summary.id)
                assert record is not None
                reasons = record.evidence["reasons"][:2]
                lines = [f"{summary.subject_key} qualifies as a hotfix.", *reasons]
                found.append((summary.title, "\n".join([*lines, summary.url or ""]).strip()))
            return found
    finally:
        engine.dispose()
