"""Re-deciding open bugs when the calendar moves: once per move, closed bugs left alone, resumed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.calendars.served import ServedCalendar
from hotgate.jobs import work
from hotgate.jobs.schedule import Job
from hotgate.jobs.work import Runtime, run_recheck
from hotgate.store.fixtures import database_url, engine, migrated, sessions
from hotgate.sync.config import SourcesFile
from samples import builtin_policy, sample_decisions, sample_issue

__all__ = ["database_url", "engine", "migrated", "sessions"]
JOB = Job("recheck", "recheck", 3600)
TODAY = date.today()


def _runtime(sessions: sessionmaker[Session], release: date) -> Runtime:
    policy = builtin_policy()
    return Runtime(sessions, policy, ServedCalendar(policy, []), SourcesFile(), release)


def _stored(sessions: sessionmaker[Session]) -> None:
    bugs = [sample_issue(n, status="open") for n in range(1, 5)]
    bugs.append(sample_issue(5, status="closed"))
    with sessions.begin() as session:
        store.upsert_issues(session, bugs)
        store.record_decisions(session, sample_decisions(bugs))


def _latest(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        return {d.subject_key[-2:]: d.verdict for d in store.list_decisions(session)[0]}


def test_open_bugs_are_decided_again_when_the_release_comes_near(
    sessions: sessionmaker[Session],
) -> None:
    _stored(sessions)
    far, near = TODAY + timedelta(days=10), TODAY + timedelta(days=2)
    first = run_recheck(JOB, _runtime(sessions, far), lambda _: None)
    assert first == {"calendar": f"release next release on {far}", "decided": 0, "first_look": True}
    again = run_recheck(JOB, _runtime(sessions, far), lambda _: None)
    assert again == {"calendar": f"release next release on {far}", "decided": 0}

    moved = run_recheck(JOB, _runtime(sessions, near), lambda _: None)
    assert moved == {
        "calendar": f"release next release on {near} (near)",
        "decided": 4,
        "verdicts_changed": 4,
    }
    assert _latest(sessions) == {
        "#1": "wait",
        "#2": "wait",
        "#3": "wait",
        "#4": "wait",
        "#5": "hotfix",
    }
    assert run_recheck(JOB, _runtime(sessions, near), lambda _: None)["decided"] == 0


class StoppedError(Exception):
    pass


def test_a_recheck_stopped_halfway_goes_on_after_the_last_batch(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stored(sessions)
    monkeypatch.setattr(work, "RECHECK_BATCH", 2)
    far, near = TODAY + timedelta(days=10), TODAY + timedelta(days=2)
    run_recheck(JOB, _runtime(sessions, far), lambda _: None)

    def stop(progress: dict[str, Any]) -> None:
        raise StoppedError

    with pytest.raises(StoppedError):
        run_recheck(JOB, _runtime(sessions, near), stop)
    assert _latest(sessions) == {
        "#1": "wait",
        "#2": "wait",
        "#3": "hotfix",
        "#4": "hotfix",
        "#5": "hotfix",
    }
    resumed = run_recheck(JOB, _runtime(sessions, near), lambda _: None)
    assert (resumed["decided"], resumed["verdicts_changed"]) == (2, 2)
    with sessions() as session:
        assert [len(store.history(session, f"github:acme/shop#{n}")) for n in range(1, 6)] == [
            2,
            2,
            2,
            2,
            1,
        ]
