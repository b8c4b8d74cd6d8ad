"""`hotgate sync` on a real database: idempotent upserts, cursors, resume after an interruption."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy
from hotgate.sources.connector import Page
from hotgate.store.fixtures import require_backend
from hotgate.store.tables import decisions, issues
from hotgate.sync.config import SourceConfig, load_sources
from hotgate.sync.run import SyncReport, sync_source
from samples import record_troubled_history, sample_issue

from .replay import Replay

Start = Callable[[str], Replay]
CONTEXT = Context(as_of=date(2024, 6, 1), release=None)
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


def _postgres_url() -> Iterator[str]:
    name = f"hotgate_sync_{uuid.uuid4().hex[:10]}"
    require_backend("postgres")  # skips when the server is down, fails under CI
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hotgate.db'}"
        store.upgrade(url)
        yield url
        return
    urls = _postgres_url()
    url = next(urls)
    store.upgrade(url)
    yield url
    store.make_engine(url).dispose()
    next(urls, None)


def _sessions(url: str) -> sessionmaker[Session]:
    return store.session_factory(store.make_engine(url))


def _source(server: Replay, **extra: object) -> SourceConfig:
    return SourceConfig(
        source="github:acme/shop",
        settings={"url": server.base, "page_size": 2, "attempts": 1},
        **extra,
    )


def _counts(url: str) -> tuple[int, int, int, str | None]:
    with _sessions(url)() as session:
        n_issues = session.execute(select(func.count()).select_from(issues)).scalar_one()
        n_decisions = session.execute(select(func.count()).select_from(decisions)).scalar_one()
        latest = session.execute(
            select(func.count()).select_from(decisions).where(decisions.c.latest.is_(True))
        ).scalar_one()
        return n_issues, n_decisions, latest, store.get_cursor(session, "github:acme/shop")


class SyncStoppedError(Exception):
    pass


def test_an_exception_after_a_commit_resumes_with_nothing_lost_or_doubled(
    replay: Start, database: str
) -> None:
    policy = load_policy(None)
    first = replay("github_sync")

    def stop(report: SyncReport) -> None:
        raise SyncStoppedError

    with pytest.raises(SyncStoppedError):
        sync_source(_source(first), _sessions(database), policy, CONTEXT, after_commit=stop)
    assert _counts(database) == (2, 2, 2, "2024-05-02T10:00:00Z")

    resumed = replay("github_sync_from_page_1")
    report = sync_source(_source(resumed), _sessions(database), policy, CONTEXT)
    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 1)
    assert _counts(database) == (6, 6, 6, "2024-05-06T10:00:00Z")
    assert resumed.unused() == []


def test_a_sync_killed_between_batches_resumes(
    replay: Start, database: str, tmp_path: Path
) -> None:
    server = replay("github_sync")
    sources = tmp_path / "hotgate-sources.yaml"
    sources.write_text(
        "sources:\n  - source: github:acme/shop\n"
        f"    settings: {{url: '{server.base}', page_size: 2}}\n"
    )
    env = {**os.environ, "HOTGATE_DATABASE_URL": database, "HOTGATE_GITHUB_TOKEN": "t"}
    command = [
        sys.executable,
        "-c",
        "from hotgate.cli import main; main()",
        "sync",
        "--config",
        str(sources),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        # The third page is asked for only once the second is committed; it is held unanswered.
        while not any("page=3" in s.target for s in server.seen):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sync never reached the third page"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        server.release.set()
    assert process.returncode == -signal.SIGKILL
    assert _counts(database) == (4, 4, 4, "2024-05-04T10:00:00Z")

    resumed = replay("github_sync_resume")
    sources.write_text(sources.read_text().replace(server.base, resumed.base))
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "3 pulled in 1 pages — 2 new, 0 changed, 1 unchanged; 2 decided" in done.stdout
    assert _counts(database) == (6, 6, 6, "2024-05-06T10:00:00Z")
    assert resumed.unused() == []


def test_a_changed_verdict_is_recorded_as_such(replay: Start, database: str) -> None:
    policy = load_policy(None)
    sessions = _sessions(database)
    with sessions.begin() as session:
        store.set_cursor(session, "github:acme/shop", "2024-05-02T10:00:00Z")
    sync_source(_source(replay("github_sync_from_page_1")), sessions, policy, CONTEXT)
    report = sync_source(_source(replay("github_sync_changed")), sessions, policy, CONTEXT)
    assert (report.updated, report.unchanged, report.decided) == (1, 1, 1)
    assert report.verdicts_changed == 1
    with sessions() as session:
        changed, total = store.list_decisions(session, changed=True)
    assert total == 1
    assert changed[0].subject_key == "github:acme/shop#2"
    assert changed[0].verdict == "no-hotfix"
    assert _counts(database) == (5, 6, 5, "2024-05-07T10:00:00Z")


class _OnePage:
    """A connector whose one page holds the given issues (the sync path, without a tracker)."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues

    def pull(self, since: str | None = None) -> Iterator[Page]:
        yield Page(list(self.issues), "2026-11-02T00:00:00Z")

    def close(self) -> None:
        pass


def test_sync_counts_the_troubled_hotfixes_in_each_component(database: str) -> None:
    sessions = _sessions(database)
    with sessions.begin() as session:
        record_troubled_history(session)
    bugs = [sample_issue(1, component="checkout"), sample_issue(2, component="search")]
    config = SourceConfig(source="github:acme/shop")
    report = sync_source(config, sessions, load_policy(None), CONTEXT, _OnePage(bugs))  # type: ignore[arg-type]
    assert report.decided == 2
    with sessions() as session:
        records = [store.list_decisions(session, key=b.key)[0][0] for b in bugs]
        evidence = [store.get_decision(session, r.id).evidence for r in records]  # type: ignore[union-attr]
    factors = [
        next(f for f in e["risk"]["risk_factors"] if f["name"] == "troubled_hotfixes_in_area")
        for e in evidence
    ]
    assert [f["value"] for f in factors] == [2.0, 0.0]
    factor = 1 + 2 * load_policy(None).risk.history_factor
    assert records[0].risk_of_hotfix == round(records[1].risk_of_hotfix * factor, 2)


def test_the_sources_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - source: github:a/b\n    colour: blue\n")
    with pytest.raises(ValueError, match=r"sources\.yaml: field 'sources\.0\.colour'"):
        load_sources(path)
    path.write_text("sources:\n  - source: github:a/b\n  - source: github:a/b\n")
    with pytest.raises(ValueError, match="repeated: github:a/b"):
        load_sources(path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("settings: {colour: red}", "field 'colour': Extra inputs are not permitted"),
        ("token_env: HOTGATE_TEST_UNSET_TOKEN", "HOTGATE_TEST_UNSET_TOKEN is not set"),
    ],
)
def test_bad_sources_stop_sync_before_the_database_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str, message: str
) -> None:
    from typer.testing import CliRunner

    from hotgate.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTGATE_DATABASE_URL", raising=False)
    monkeypatch.delenv("HOTGATE_TEST_UNSET_TOKEN", raising=False)
    (tmp_path / "hotgate-sources.yaml").write_text(
        f"sources:\n  - source: github:acme/shop\n    {entry}\n"
    )
    result = CliRunner().invoke(app, ["sync"])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert not (tmp_path / "hotgate.db").exists()


def test_sync_decides_with_the_given_calendar(
    replay: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from hotgate.cli import app

    server = replay("github_sync_from_page_1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTGATE_GITHUB_TOKEN", "t")
    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    (tmp_path / "hotgate-sources.yaml").write_text(
        "sources:\n  - source: github:acme/shop\n"
        f"    settings: {{url: '{server.base}', page_size: 2, attempts: 1}}\n"
    )
    (tmp_path / "train.yaml").write_text('releases: [{name: "9.1", date: 2024-06-03}]\n')
    store.upgrade(url)
    with _sessions(url).begin() as session:  # where the recorded answers begin
        store.set_cursor(session, "github:acme/shop", "2024-05-02T10:00:00Z")
    as_of = ["--as-of", "2024-06-01", "--db", url]
    result = CliRunner().invoke(app, ["sync", *as_of, "--calendar", str(tmp_path / "train.yaml")])
    assert result.exit_code == 0, result.output
    with _sessions(url)() as session:
        names = session.execute(select(decisions.c.release_name).distinct()).scalars().all()
    assert names == ["9.1"]

    missing = CliRunner().invoke(app, ["sync", *as_of, "--calendar", str(tmp_path / "gone.ics")])
    assert missing.exit_code == 2
    assert "gone.ics: cannot read the calendar" in missing.output
