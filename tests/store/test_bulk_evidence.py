"""A bulk triage run records each decision whole, as one assessment does, on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from hotgate import service, store
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents, documents_of
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.reading.signals import issues_frame
from samples import SAMPLE_DAY, builtin_policy, sample_decisions, sample_issue


def _issues() -> list[Any]:
    return [
        sample_issue(1),
        sample_issue(2, "no-hotfix"),
        sample_issue(3, "needs-info"),
        sample_issue(4, "needs-info", answers={"broad_reach": "yes"}),
        sample_issue(5, title="Checkout crashes " + "for every user " * 100),  # cut in the store
        sample_issue(6, body="It does not crash, but it hangs forever on İstanbul."),
    ]


def _evidence(session: Session, key: str) -> list[dict[str, Any]]:
    """Every recorded assessment's evidence for a key, oldest first."""
    ids = [summary.id for summary in reversed(store.history(session, key))]
    found = []
    for decision_id in ids:
        record = store.get_decision(session, decision_id)
        assert record is not None
        found.append(record.evidence)
    return found


def test_bulk_recorded_evidence_is_the_single_assessment_s(
    sessions: sessionmaker[Session],
) -> None:
    issues = _issues()
    policy = builtin_policy()
    context = context_from_options(SAMPLE_DAY, None)
    with sessions.begin() as session:
        store.record_decisions(session, sample_decisions(issues), answered_by="cli:lee")
        frame = evaluate(policy, issues_frame(issues), context)
        documents = decision_documents(policy, frame, context)
        counts = store.record_documents(session, documents, answered_by="cli:lee")
    assert counts.inserted == len(issues)
    with sessions() as session:
        for issue in issues:
            alone, bulk = _evidence(session, issue.key)
            assert alone == bulk
            assert not bulk.get("compact")
        assert _evidence(session, issues[4].key)[1]["cut"] == {
            "subject.title": len(issues[4].title)
        }
        latest = store.latest_decisions(session, [issue.key for issue in issues])
        assert latest[issues[3].key].answered_by == "cli:lee"
        assert latest[issues[0].key].answered_by is None


def test_a_triage_run_records_full_evidence_whatever_the_format(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    issues = _issues()
    path = tmp_path / "issues.jsonl"
    path.write_bytes(b"".join(orjson.dumps(i.model_dump(mode="json")) + b"\n" for i in issues))
    policy = builtin_policy()
    context = context_from_options(SAMPLE_DAY, None)
    tally = service.Tally()
    with service.Recorder(database_url, policy, context) as recorder:  # jsonl and json
        assert recorder.packs == database_url.startswith("sqlite")  # builders pack for SQLite
        written = [
            d
            for lines in service.triage_lines(str(path), policy, context, tally, recorder=recorder)
            for d in documents_of(lines)
        ]
    with service.Recorder(database_url, policy, context) as recorder:  # csv and table
        service.triage_summary(str(path), policy, context, service.Tally(), recorder=recorder)
    assert len(written) == len(issues)
    with sessions() as session:
        for document, issue in zip(written, issues, strict=True):
            by_documents, by_summary = _evidence(session, issue.key)
            assert by_documents == by_summary
            assert by_documents["criteria"] == document["criteria"]
            assert by_documents["what_would_change"] == document["what_would_change"]
