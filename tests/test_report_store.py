"""The hotfix report read from the store: decisions with review states, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hotgate import store
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context, decide, release_on
from hotgate.policy.definition.schema import load_policy
from hotgate.reports.decision_files import ReportInputError
from hotgate.reports.figures import figures
from hotgate.reports.from_store import store_decisions
from hotgate.store.fixtures import require_backend

POLICY = load_policy()
AS_OF = date(2026, 11, 23)
CONTEXT = Context(as_of=AS_OF, release=release_on("2.4", date(2026, 12, 10), AS_OF))
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CRASH = "Crashes for every user on every page load. There is no workaround."


def _issue(n: int, title: str, component: str, severity: str) -> Issue:
    return Issue(
        key=f"github:shop/web#{n}",
        source="github",
        title=title,
        body=CRASH if "crash" in title else "",
        component=component,
        severity=severity,  # type: ignore[arg-type]
        created=datetime(2026, 11, 20, tzinfo=UTC),
    )


ISSUES = [
    _issue(1, "Checkout crash", "checkout", "S1"),  # hotfix: deployed, then rolled back
    _issue(2, "Search crash", "search", "S1"),  # hotfix: deployed and verified
    _issue(3, "Cart crash", "cart", "S1"),  # hotfix, rejected by a person
    _issue(4, "Typo on the about page", "about", "S4"),  # no-hotfix, assessed twice
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a schema of its own on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hotgate.db'}"
        store.upgrade(url)
        yield url
        return
    require_backend("postgres")  # skips when the server is down, fails under CI
    admin = create_engine(POSTGRES, connect_args={"connect_timeout": 3})
    schema = f"report_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        store.upgrade(rendered)
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _fill(url: str) -> None:
    engine = store.make_engine(url)
    sessions = store.session_factory(engine)
    with sessions.begin() as session:
        store.upsert_issues(session, ISSUES)
        store.record_decisions(session, decide(POLICY, ISSUES, CONTEXT))
    with sessions.begin() as session:
        summaries, _ = store.list_decisions(session, limit=10)
        ids = {s.subject_key: s.id for s in summaries}
        steps = {
            1: ["approve", "deployed", "rolled-back"],
            2: ["approve", "deployed", "verified"],
            3: ["reject"],
        }
        for n, actions in steps.items():
            for action in actions:
                store.review(session, ids[f"github:shop/web#{n}"], action, "rm@example.org")  # type: ignore[arg-type]
    with sessions.begin() as session:  # a second assessment of #4 must not count twice
        store.record_decisions(session, decide(POLICY, ISSUES[3:], CONTEXT))
    engine.dispose()


def test_report_from_the_store(database_url: str) -> None:
    _fill(database_url)
    engine = store.make_engine(database_url)
    frame = store_decisions(engine)
    engine.dispose()
    assert frame.height == 4
    data = figures(frame, budget=1)
    assert data["verdicts"] == {"hotfix": 3, "needs-info": 0, "wait": 0, "no-hotfix": 1}
    assert data["per_release"] == [
        {"release": "2.4", "release_date": "2026-12-10", "hotfixes": 2, "over_budget": True}
    ]
    assert data["trouble"] == {
        "hotfixes": 2,
        "shipped": 2,
        "troubled": 1,
        "rolled_back": 1,
        "share_of_hotfixes": 0.5,
        "share_of_shipped": 0.5,
    }
    assert data["by_component"] == [
        {"name": "checkout", "hotfixes": 1, "troubled": 1},
        {"name": "search", "hotfixes": 1, "troubled": 0},
    ]
    assert data["time_to_decision"]["count"] == 4  # reported 2026-11-20, decided when recorded


def test_store_without_tables_is_a_clear_error(tmp_path: Path) -> None:
    engine = store.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(ReportInputError, match="no decisions on record"):
        store_decisions(engine)
    engine.dispose()


def test_dashboard_figures_agree_with_the_report(database_url: str) -> None:
    from hotgate.store import reports as dashboard

    _fill(database_url)
    engine = store.make_engine(database_url)
    data = figures(store_decisions(engine), budget=1)
    with store.session_factory(engine)() as session:
        per_release = dashboard.hotfixes_per_release(session)
        troubled = dashboard.troubled(session)
    engine.dispose()
    assert [(r["release"], r["count"]) for r in per_release] == [
        (r["release"], r["hotfixes"]) for r in data["per_release"]
    ]
    assert troubled == data["trouble"]["troubled"]


def test_dashboard_counts_regressions_as_the_report_does(database_url: str) -> None:
    from hotgate.store import reports as dashboard
    from samples import record_troubled_history

    engine = store.make_engine(database_url)
    with store.session_factory(engine).begin() as session:
        record_troubled_history(session)
    data = figures(store_decisions(engine), budget=1)
    with store.session_factory(engine)() as session:
        troubled = dashboard.troubled(session)
    engine.dispose()
    # one hotfix rolled back, one followed by a regression, one verified without trouble
    assert (troubled, data["trouble"]["troubled"], data["trouble"]["rolled_back"]) == (2, 2, 1)
