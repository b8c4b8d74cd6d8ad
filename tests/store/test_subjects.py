"""Issues, change requests, releases and sync cursors as the store keeps them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hotgate import store
from hotgate.model import ChangeRequest, Release
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
