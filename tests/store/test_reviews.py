"""The review workflow: allowed steps, overrides with reasons, conflicts and the audit trail."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from samples import sample_decisions, sample_issue


def _recorded(session: Session, kind: str = "hotfix") -> int:
    store.record_decisions(session, sample_decisions([sample_issue(1, kind)]))
    [item], _ = store.list_decisions(session)
    return item.id


# the steps to reach a state from proposed
PATHS = {
    "proposed": [],
    "approved": [("approve", None)],
    "rejected": [("reject", None)],
    "overridden": [("override", "wait")],
    "deployed": [("approve", None), ("deployed", None)],
    "verified": [("approve", None), ("deployed", None), ("verified", None)],
    "regressed": [("approve", None), ("deployed", None), ("regressed", None)],
    "rolled-back": [("approve", None), ("deployed", None), ("rolled-back", None)],
}
ALLOWED = {
    ("proposed", "approve"): "approved",
    ("proposed", "reject"): "rejected",
    ("proposed", "override"): "overridden",
    ("approved", "override"): "overridden",
    ("rejected", "override"): "overridden",
    ("approved", "deployed"): "deployed",
    ("overridden", "deployed"): "deployed",
    ("deployed", "verified"): "verified",
    ("deployed", "regressed"): "regressed",
    ("verified", "regressed"): "regressed",
    ("deployed", "rolled-back"): "rolled-back",
    ("verified", "rolled-back"): "rolled-back",
    ("regressed", "rolled-back"): "rolled-back",
}


def _walk(session: Session, decision_id: int, state: str) -> None:
    for action, verdict in PATHS[state]:
        store.review(session, decision_id, action, "ada", verdict=verdict, reason="because")  # type: ignore[arg-type]


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", list(store.ACTIONS))
def test_each_step_is_allowed_only_from_its_states(
    session: Session, state: str, action: str
) -> None:
    decision_id = _recorded(session)
    _walk(session, decision_id, state)
    verdict = "no-hotfix" if action == "override" else None
    target = ALLOWED.get((state, action))
    if target is None:
        with pytest.raises(store.ReviewConflictError, match=f"is {state}"):
            store.review(session, decision_id, action, "ada", verdict=verdict, reason="r")  # type: ignore[arg-type]
        return
    record = store.review(session, decision_id, action, "ada", verdict=verdict, reason="r")  # type: ignore[arg-type]
    assert record.state == target
    assert record.version == len(PATHS[state]) + 2
    assert record.reviews[-1].action == action
    assert (record.reviews[-1].from_state, record.reviews[-1].to_state) == (state, target)


@pytest.mark.parametrize(
    ("action", "final"),
    [("approve", "hotfix"), ("override", "no-hotfix"), ("reject", None)],
)
def test_the_final_verdict_follows_the_review(
    session: Session, action: str, final: str | None
) -> None:
    decision_id = _recorded(session)
    verdict = "no-hotfix" if action == "override" else None
    record = store.review(session, decision_id, action, "ada", verdict=verdict, reason="r")  # type: ignore[arg-type]
    assert record.final_verdict == final
    assert record.verdict == "hotfix"


@pytest.mark.parametrize(
    ("verdict", "reason", "message"),
    [
        (None, "the fix is risky", "names the new verdict"),
        ("ship-it", "the fix is risky", "names the new verdict"),
        ("wait", None, "needs a reason"),
        ("wait", "   ", "needs a reason"),
    ],
)
def test_an_override_needs_a_verdict_and_a_reason(
    session: Session, verdict: str | None, reason: str | None, message: str
) -> None:
    decision_id = _recorded(session)
    with pytest.raises(store.ReviewInvalidError, match=message):
        store.review(session, decision_id, "override", "ada", verdict=verdict, reason=reason)


def test_only_an_override_names_a_verdict(session: Session) -> None:
    decision_id = _recorded(session)
    with pytest.raises(store.ReviewInvalidError, match="only an override"):
        store.review(session, decision_id, "approve", "ada", verdict="wait")


def test_a_stale_version_is_refused(session: Session) -> None:
    decision_id = _recorded(session)
    store.review(session, decision_id, "approve", "ada", expected_version=1)
    with pytest.raises(store.ReviewConflictError, match="changed since you loaded it"):
        store.review(
            session, decision_id, "override", "bob", verdict="wait", reason="r", expected_version=1
        )


def test_an_unknown_decision_is_not_found(session: Session) -> None:
    with pytest.raises(store.DecisionNotFoundError):
        store.review(session, 424242, "approve", "ada")


def test_every_review_is_audited(session: Session) -> None:
    decision_id = _recorded(session)
    store.review(
        session, decision_id, "override", "ada", verdict="wait", reason="release is Tuesday"
    )
    entries, total = store.audit_entries(session, target=f"decision:{decision_id}")
    assert total == 1
    entry = entries[0]
    assert (entry.actor, entry.action) == ("ada", "review.override")
    assert entry.details == {
        "from": "proposed",
        "to": "overridden",
        "verdict": "wait",
        "reason": "release is Tuesday",
        "was": "hotfix",
    }


def test_a_regression_is_audited_with_its_reason(session: Session) -> None:
    decision_id = _recorded(session)
    _walk(session, decision_id, "verified")
    record = store.review(
        session, decision_id, "regressed", "ada", reason="search broke: github:acme/shop#9"
    )
    assert (record.state, record.final_verdict) == ("regressed", "hotfix")
    entries, _ = store.audit_entries(session, target=f"decision:{decision_id}")
    assert (entries[0].actor, entries[0].action) == ("ada", "review.regressed")
    assert entries[0].details == {
        "from": "verified",
        "to": "regressed",
        "verdict": None,
        "reason": "search broke: github:acme/shop#9",
        "was": "hotfix",
    }


def test_a_regression_names_no_verdict(session: Session) -> None:
    decision_id = _recorded(session)
    _walk(session, decision_id, "deployed")
    with pytest.raises(store.ReviewInvalidError, match="only an override"):
        store.review(session, decision_id, "regressed", "ada", verdict="no-hotfix")


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"]
)
def test_the_audit_log_is_append_only(sessions: sessionmaker[Session], statement: str) -> None:
    with sessions.begin() as session:
        store.audit(session, "ada", "test", "thing:1", {"n": 1})
    with sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    with sessions() as session:
        entries, _ = store.audit_entries(session)
    assert [(e.actor, e.details) for e in entries] == [("ada", {"n": 1})]


@pytest.mark.parametrize("version", [1, None], ids=["with-version", "without-version"])
def test_two_reviews_at_once_exactly_one_wins(
    sessions: sessionmaker[Session], version: int | None
) -> None:
    with sessions.begin() as session:
        decision_id = _recorded(session)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def review(action: str, verdict: str | None) -> None:
        with sessions() as session:
            barrier.wait()
            try:
                store.review(
                    session,
                    decision_id,
                    action,
                    action,
                    verdict=verdict,
                    reason="r",
                    expected_version=version,
                )
                session.commit()
                outcomes.append("won")
            except store.ReviewConflictError:
                session.rollback()
                outcomes.append("conflict")

    threads = [
        threading.Thread(target=review, args=("approve", None)),
        threading.Thread(target=review, args=("reject", None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    with sessions() as session:
        record = store.get_decision(session, decision_id)
    assert record is not None
    assert record.version == 2
    assert len(record.reviews) == 1
