"""Recording decisions: every assessment kept, the latest marked, changed verdicts recognised."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import orjson
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
from hotgate.store.packing import unpacked
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


@pytest.mark.parametrize("packed_by_builder", [False, True])
def test_sqlite_keeps_evidence_packed_and_postgresql_as_text(
    session: Session, packed_by_builder: bool
) -> None:
    """Evidence reads back whole either way; SQLite holds a Zstandard BLOB (so does a row a
    builder packed, `pack=True`), PostgreSQL JSON text, even when given packed rows."""
    policy = load_policy(None)
    context = context_from_options(date(2026, 11, 1), None)
    issues = [make_issue(n, kind) for n, kind in enumerate(["hotfix", "no-hotfix", "needs-info"])]
    documents = decision_documents(policy, evaluate(policy, issues_frame(issues), context), context)
    rows = store.document_rows(documents, pack=packed_by_builder)
    assert all(isinstance(row["evidence"], bytes) == packed_by_builder for row in rows)
    store.record_rows(session, rows)
    stored = session.execute(text("SELECT subject_key, evidence FROM decisions")).all()
    by_key = {document["subject"]["key"]: document for document in documents}
    for key, evidence in stored:
        if session.get_bind().dialect.name == "sqlite":
            assert isinstance(evidence, bytes) and evidence.startswith(b"\x28\xb5\x2f\xfd")
            assert orjson.loads(unpacked(evidence)) == by_key[key]
        else:
            assert isinstance(evidence, str) and orjson.loads(evidence) == by_key[key]
    items, _ = store.list_decisions(session)
    for item in items:
        record = store.get_decision(session, item.id)
        assert record is not None and record.evidence == by_key[item.subject_key]


def test_evidence_recorded_as_text_before_packing_still_reads_back(session: Session) -> None:
    [decision] = decide([make_issue(4, "hotfix")])
    row = store.decision_row(decision)
    store.record_rows(session, [row])
    document = decision.model_dump(mode="json")
    session.execute(
        text("UPDATE decisions SET evidence = :e"), {"e": orjson.dumps(document).decode()}
    )
    [summary], _ = store.list_decisions(session)
    record = store.get_decision(session, summary.id)
    assert record is not None and record.evidence == document


def test_a_new_sqlite_file_has_16_kib_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE t (x)")  # made before hotgate: 4 KiB pages
    sizes = {}
    for name in ("old.db", "new.db"):
        engine = store.make_engine(f"sqlite:///{tmp_path / name}")
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS u (y)")
            sizes[name] = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
        engine.dispose()
    assert sizes == {"old.db": 4096, "new.db": 16384}
