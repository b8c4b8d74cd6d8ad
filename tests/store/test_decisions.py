"""Recording decisions: every assessment kept, the latest marked, changed verdicts recognised."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotgate import store
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.definition.schema import load_policy
from hotgate.policy.reading.signals import issues_frame
from hotgate.store import decisions as store_decisions
from samples import sample_decisions as decide
from samples import sample_issue as make_issue


def test_every_assessment_is_kept_and_the_newest_is_latest(session: Session) -> None:
    issue = make_issue(1)
    first = store.record_decisions(session, decide([issue]))
    second = store.record_decisions(session, decide([issue]))
    assert (first.inserted, first.changed, second.inserted, second.changed) == (1, 0, 1, 0)
    every = store.history(session, issue.key)
    assert [d.latest for d in every] == [True, False]
    assert [d.previous_verdict for d in every] == ["hotfix", None]
    latest, total = store.list_decisions(session)
    assert total == 1
    assert latest[0].id == every[0].id


def test_a_changed_verdict_is_marked(session: Session) -> None:
    issue = make_issue(1)
    store.record_decisions(session, decide([issue]))
    counts = store.record_decisions(session, decide([issue], next_release=date(2026, 11, 2)))
    assert counts.changed == 1
    newest = store.history(session, issue.key)[0]
    assert (newest.verdict, newest.previous_verdict, newest.verdict_changed) == (
        "wait",
        "hotfix",
        True,
    )
    changed, total = store.list_decisions(session, changed=True)
    assert total == 1
    assert changed[0].id == newest.id


def test_the_same_key_twice_in_one_batch_keeps_one_latest(session: Session) -> None:
    issue = make_issue(7)
    decisions = decide([issue]) + decide([issue], next_release=date(2026, 11, 2))
    counts = store.record_decisions(session, decisions)
    assert (counts.inserted, counts.changed) == (2, 1)
    every = store.history(session, issue.key)
    assert [(d.verdict, d.latest) for d in every] == [("wait", True), ("hotfix", False)]


def test_a_decision_keeps_its_whole_object_as_evidence(session: Session) -> None:
    [decision] = decide([make_issue(3, "needs-info")])
    store.record_decisions(session, [decision])
    [summary], _ = store.list_decisions(session)
    record = store.get_decision(session, summary.id)
    assert record is not None
    assert record.evidence == decision.model_dump(mode="json")
    assert record.policy_sha256 == decision.policy.sha256
    assert record.state == "proposed"
    assert record.version == 1


def test_a_missing_decision_is_none(session: Session) -> None:
    assert store.get_decision(session, 999_999) is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {},
            {"github:acme/shop#1", "github:acme/shop#2", "github:acme/shop#3", "github:acme/web#4"},
        ),
        ({"verdict": "hotfix"}, {"github:acme/shop#1", "github:acme/web#4"}),
        ({"verdict": "no-hotfix"}, {"github:acme/shop#2"}),
        ({"verdict": "needs-info"}, {"github:acme/shop#3"}),
        ({"verdict": "wait"}, set()),
        (
            {"state": "proposed"},
            {"github:acme/shop#1", "github:acme/shop#2", "github:acme/shop#3", "github:acme/web#4"},
        ),
        ({"state": "approved"}, set()),
        (
            {"source": "github"},
            {"github:acme/shop#1", "github:acme/shop#2", "github:acme/shop#3", "github:acme/web#4"},
        ),
        ({"source": "jira"}, set()),
        ({"key": "github:acme/web#4"}, {"github:acme/web#4"}),
        (
            {"changed": False},
            {"github:acme/shop#1", "github:acme/shop#2", "github:acme/shop#3", "github:acme/web#4"},
        ),
    ],
)
def test_filters(session: Session, filters: dict[str, object], expected: set[str]) -> None:
    issues = [
        make_issue(1),
        make_issue(2, "no-hotfix"),
        make_issue(3, "needs-info"),
        make_issue(4, repo="acme/web"),
    ]
    store.record_decisions(session, decide(issues))
    items, total = store.list_decisions(session, **filters)  # type: ignore[arg-type]
    assert {d.subject_key for d in items} == expected
    assert total == len(expected)


def test_the_queue_is_ranked_hotfix_first_and_paged(session: Session) -> None:
    issues = [
        make_issue(n, kind) for n, kind in enumerate(["no-hotfix", "needs-info", "hotfix"] * 4)
    ]
    store.record_decisions(session, decide(issues))
    first, total = store.list_decisions(session, limit=5)
    rest, _ = store.list_decisions(session, limit=50, offset=5)
    verdicts = [d.verdict for d in first + rest]
    assert total == 12
    assert verdicts == ["hotfix"] * 4 + ["needs-info"] * 4 + ["no-hotfix"] * 4
    assert len({d.id for d in first + rest}) == 12


def test_a_bulk_run_records_each_whole_decision(session: Session) -> None:
    """Documents built over a batch's columns keep what each Decision object would keep."""
    policy = load_policy(None)
    context = context_from_options(date(2026, 11, 1), None)
    issues = [make_issue(n, kind) for n, kind in enumerate(["hotfix", "no-hotfix", "needs-info"])]
    frame = evaluate(policy, issues_frame(issues), context)
    counts = store.record_documents(session, decision_documents(policy, frame, context))
    assert counts.inserted == 3
    items, _ = store.list_decisions(session)
    full = {d.subject.key: d for d in decide(issues)}
    assert {item.verdict for item in items} == {"hotfix", "no-hotfix", "needs-info"}
    for item in items:
        record = store.get_decision(session, item.id)
        assert record is not None
        expected = full[item.subject_key]
        assert record.verdict == expected.verdict
        assert record.cost_of_waiting == pytest.approx(expected.risk.cost_of_waiting)
        assert record.evidence == expected.model_dump(mode="json")
    answers = store.answers_for(session, [item.id for item in items])
    by_key = {item.subject_key: answers[item.id] for item in items}
    assert by_key == {k: {c.name: c.answer for c in d.criteria} for k, d in full.items()}


def test_a_long_run_keeps_postgresql_statistics_of_its_own_rows(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # autovacuum cannot see an open transaction's rows; without statistics the planner scans
    # the whole growing table for each batch's previous decisions (see _keep_statistics).
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("statistics for PostgreSQL's planner only")
    monkeypatch.setattr(store_decisions, "ROW_BATCH", 10)
    counts = store.record_decisions(session, decide([make_issue(n) for n in range(1, 51)]))
    assert counts.inserted == 50
    reltuples = session.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'decisions'::regclass")
    ).scalar_one()
    assert reltuples == 40  # analysed at 10, 20 and 40 rows: each time the run had doubled
