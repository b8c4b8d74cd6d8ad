"""Issues, change requests, releases and sync cursors as the store keeps them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.model import ChangeRequest, Release
from hotgate.store import jobs as store_jobs
from hotgate.store.records import utc
from hotgate.store.tables import jobs
from samples import sample_issue


def test_issues_are_upserted_by_key(session: Session) -> None:
    first = store.upsert_issues(session, [sample_issue(1), sample_issue(2, "no-hotfix")])
    again = store.upsert_issues(
        session, [sample_issue(2, "no-hotfix", title="Typo fixed title"), sample_issue(3)]
    )
    assert (first.inserted, first.updated, again.inserted, again.updated) == (2, 0, 1, 1)
    issue = store.get_issue(session, "github:acme/shop#2")
    assert issue is not None
    assert issue.title == "Typo fixed title"
    items, total = store.list_issues(session, source="github", limit=2)
    assert total == 3
    assert len(items) == 2
    assert store.get_issue(session, "github:acme/shop#99") is None


def test_many_issues_go_in_batches(session: Session) -> None:
    counts = store.upsert_issues(session, (sample_issue(n) for n in range(4_500)))
    assert counts.inserted == 4_500
    assert store.list_issues(session, limit=1)[1] == 4_500


def test_change_requests_are_upserted(session: Session) -> None:
    request = ChangeRequest(
        id="42", title="Spring sale banner", requested_by="maria", template="banner"
    )
    assert store.upsert_change_requests(session, [request]).inserted == 1
    changed = request.model_copy(update={"title": "Spring sale banner, 20%"})
    assert store.upsert_change_requests(session, [changed]).updated == 1
    stored = store.get_change_request(session, "change:42")
    assert stored is not None
    assert stored.title == "Spring sale banner, 20%"


def test_releases_are_kept_by_name(session: Session) -> None:
    store.upsert_releases(
        session,
        [
            Release(name="2.4", date=date(2026, 12, 1), days_until=30),
            Release(name="2.3", date=date(2026, 11, 10), days_until=9),
        ],
    )
    store.upsert_releases(session, [Release(name="2.4", date=date(2026, 12, 2), days_until=31)])
    assert [(r["name"], r["date"]) for r in store.list_releases(session)] == [
        ("2.3", date(2026, 11, 10)),
        ("2.4", date(2026, 12, 2)),
    ]


def test_sync_cursors(session: Session) -> None:
    assert store.get_cursor(session, "github:acme/shop") is None
    store.set_cursor(session, "github:acme/shop", "2026-11-01T00:00:00Z")
    store.set_cursor(session, "jira:acme", "page-2")
    store.set_cursor(session, "github:acme/shop", "2026-11-02T00:00:00Z")
    assert store.get_cursor(session, "github:acme/shop") == "2026-11-02T00:00:00Z"
    assert store.get_cursor(session, "jira:acme") == "page-2"


def test_processes_planning_the_same_new_job_at_once_make_one_row(
    sessions: sessionmaker[Session],
) -> None:
    """Between one process reading which jobs exist and inserting the new one, another plans
    and commits the same job (a server and its workers start together): no unique-key error,
    and the first row stands."""
    planned = [("sync:github:acme/shop", "sync", 900)]
    first, late = datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 23, 10, tzinfo=UTC)
    with sessions() as slow:
        connection = slow.connection()

        done: list[bool] = []

        def another_plans_first(*_: object) -> None:
            if not done:  # once, right after the slow one's first statement (its reading)
                done.append(True)
                with sessions.begin() as other:
                    store_jobs.plan_jobs(other, planned, first)

        event.listen(connection, "after_cursor_execute", another_plans_first)
        store_jobs.plan_jobs(slow, planned, late)
        slow.commit()
    with sessions() as check:
        rows = check.execute(select(jobs.c.name, jobs.c.due_at)).all()
    assert [(name, utc(due)) for name, due in rows] == [("sync:github:acme/shop", first)]
