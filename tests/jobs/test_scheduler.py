"""The embedded scheduler in-process: a failing job is recorded and retried later; the CLI's
refusals are one clear line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotgate import store
from hotgate.calendars.served import ServedCalendar
from hotgate.cli import app
from hotgate.jobs.lease import Scheduler
from hotgate.jobs.schedule import planned_jobs
from hotgate.jobs.work import Runtime
from hotgate.store import jobs as job_store
from hotgate.sync.config import SourcesFile
from samples import builtin_policy

from .processes import free_port


def test_a_failing_job_is_recorded_and_tried_again_later(
    sqlite_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTGATE_GITHUB_TOKEN", "t")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    sources = SourcesFile.model_validate(
        {
            "sources": [
                {
                    "source": "github:acme/shop",
                    "every": "1h",
                    "settings": {"url": dead, "attempts": 1},
                }
            ]
        }
    )
    sessions = store.session_factory(store.make_engine(sqlite_database))
    policy = builtin_policy()
    runtime = Runtime(sessions, policy, ServedCalendar(policy, []), sources)
    scheduler = Scheduler(runtime, planned_jobs(sources), lease=timedelta(seconds=30))
    scheduler.plan()
    assert scheduler.run_due() == ["sync:github:acme/shop"]
    assert scheduler.run_due() == []  # not due again until its retry
    with sessions() as session:
        [job] = job_store.list_jobs(session)
        [run] = job_store.list_runs(session)
    assert (job.state, job.failures, job.last_status, job.lease_owner) == (
        "retrying",
        1,
        "failed",
        None,
    )
    assert job.last_error == (
        f"ConnectorError: github: gave up after 1 tries on {dead}/repos/acme/shop/issues: "
        "connection failed (ConnectError)"
    )
    assert job.last_finished_at is not None
    assert job.due_at == job.last_finished_at + timedelta(seconds=30)
    assert (run.status, run.owner) == ("failed", scheduler.owner)


def test_a_worker_needs_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTGATE_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "hotgate worker needs PostgreSQL" in " ".join(result.stderr.split())


def test_serve_stops_on_a_bad_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTGATE_DATABASE_URL", raising=False)
    (tmp_path / "hotgate-sources.yaml").write_text(
        "sources:\n  - source: github:acme/shop\n    every: 7m\n"
    )
    result = CliRunner().invoke(app, ["serve", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "'7m' does not fit the clock evenly" in " ".join(result.stderr.split())
