"""Troubled past hotfixes per component, from the store into the risk of a new hotfix."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotgate import service, store
from hotgate.model import Decision, Issue
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.reading.signals import issues_frame
from hotgate.reports.figures import area_trouble_counts, trouble
from hotgate.reports.from_store import store_decisions
from samples import (
    SAMPLE_DAY,
    builtin_policy,
    record_troubled_history,
    sample_decisions,
    sample_issue,
)

POLICY = builtin_policy()
CONTEXT = context_from_options(SAMPLE_DAY, None)
HISTORY_FACTOR = POLICY.risk.history_factor
NEW_BUGS = [sample_issue(1, component="checkout"), sample_issue(2, component="search")]


def _factor(decision: Decision) -> tuple[float, str]:
    factor = next(f for f in decision.risk.risk_factors if f.name == "troubled_hotfixes_in_area")
    return factor.value, factor.note


def _review(session: Session, number: int, *actions: str, verdict: str | None = None) -> None:
    [decision], _ = store.list_decisions(session, key=f"github:acme/shop#{number}")
    for action in actions:
        named = verdict if action == "override" else None
        store.review(session, decision.id, action, "ada", verdict=named, reason="r")  # type: ignore[arg-type]


def test_counts_the_hotfixes_rolled_back_or_regressed_per_component(session: Session) -> None:
    assert store.troubled_hotfixes_by_component(session) == {}
    assert record_troubled_history(session) == {"checkout": 2}
    assert store.troubled_hotfixes_by_component(session) == {"checkout": 2}


def _more_history(session: Session) -> None:
    """Troubled subjects that count only when their latest decision is a kept hotfix."""
    others = [
        sample_issue(201, component="cart"),  # overridden to no-hotfix, then rolled back
        sample_issue(202, component="cart"),  # rolled back, then re-assessed: still a hotfix
        sample_issue(203, component="cart"),  # rolled back, then re-assessed as no-hotfix
        sample_issue(204),  # no component: counted nowhere
        sample_issue(205, component="cart"),  # rejected: never a hotfix
    ]
    store.upsert_issues(session, others)
    store.record_decisions(session, sample_decisions(others))
    _review(session, 201, "override", "deployed", "rolled-back", verdict="no-hotfix")
    for number in (202, 203, 204):
        _review(session, number, "approve", "deployed", "rolled-back")
    _review(session, 205, "reject")
    again = [sample_issue(202, component="cart"), sample_issue(203, "no-hotfix", component="cart")]
    store.record_decisions(session, sample_decisions(again))


def test_only_hotfixes_that_stayed_hotfixes_count(session: Session) -> None:
    record_troubled_history(session)
    _more_history(session)
    assert store.troubled_hotfixes_by_component(session) == {"checkout": 2, "cart": 1}


def test_the_counts_agree_with_the_report(sessions: sessionmaker[Session], engine: Engine) -> None:
    with sessions.begin() as session:
        record_troubled_history(session)
        _more_history(session)
    with sessions() as session:
        counts = store.troubled_hotfixes_by_component(session)
    assert counts == area_trouble_counts(store_decisions(engine)) == {"checkout": 2, "cart": 1}


def test_the_report_counts_a_regressed_hotfix_as_shipped_and_troubled(
    sessions: sessionmaker[Session], engine: Engine
) -> None:
    with sessions.begin() as session:
        record_troubled_history(session)
    assert trouble(store_decisions(engine)) == {
        "hotfixes": 3,
        "shipped": 3,
        "troubled": 2,
        "rolled_back": 1,
        "share_of_hotfixes": 2 / 3,
        "share_of_shipped": 2 / 3,
    }


def test_the_risk_of_a_new_hotfix_counts_its_components_history(session: Session) -> None:
    trouble = record_troubled_history(session)
    fed = service.decide_issues(
        NEW_BUGS, POLICY, CONTEXT, store.troubled_hotfixes_by_component(session)
    )
    unfed = service.decide_issues(NEW_BUGS, POLICY, CONTEXT, {})
    checkout, search = fed
    assert checkout.verdict == search.verdict == "hotfix"
    expected = round(unfed[0].risk.risk_of_hotfix * (1 + trouble["checkout"] * HISTORY_FACTOR), 2)
    assert checkout.risk.risk_of_hotfix == expected
    assert checkout.risk.risk_of_hotfix > unfed[0].risk.risk_of_hotfix
    assert search.risk.risk_of_hotfix == unfed[1].risk.risk_of_hotfix
    value, note = _factor(checkout)
    assert value == 2.0
    assert note == (
        "2 past hotfixes in component 'checkout' were rolled back or followed by a regression; "
        f"each adds {HISTORY_FACTOR} to the multiplier"
    )
    assert _factor(search) == (
        0.0,
        "no past hotfix in component 'search' was rolled back or regressed",
    )


def _backlog(tmp_path: Path, issues: list[Issue]) -> str:
    path = tmp_path / "backlog.jsonl"
    path.write_bytes(b"".join(orjson.dumps(i.model_dump(mode="json")) + b"\n" for i in issues))
    return str(path)


def test_a_recorded_triage_counts_the_stores_history(
    sessions: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with sessions.begin() as session:
        record_troubled_history(session)
    backlog = _backlog(tmp_path, NEW_BUGS)
    with service.Recorder(database_url, POLICY, CONTEXT) as recorder:
        decisions = list(
            service.triage_decisions(backlog, POLICY, CONTEXT, service.Tally(), recorder=recorder)
        )
        summary = service.triage_summary(
            backlog, POLICY, CONTEXT, service.Tally(), recorder=recorder
        )
    assert [_factor(d)[0] for d in decisions] == [2.0, 0.0]
    by_key = dict(zip(summary["key"], summary["risk_of_hotfix"], strict=True))
    assert [by_key[d.subject.key] for d in decisions] == [d.risk.risk_of_hotfix for d in decisions]
    # without the store (--no-record) there is no history to count
    alone = list(service.triage_decisions(backlog, POLICY, CONTEXT, service.Tally()))
    assert _factor(alone[0]) == (0.0, "no record of past hotfixes was consulted, so none counts")


def test_the_servers_counts_are_read_again_once_they_are_old(
    sessions: sessionmaker[Session],
) -> None:
    now = [0.0]
    cached = service.AreaTrouble(sessions, max_age=60, clock=lambda: now[0])
    assert cached.counts() == {}
    with sessions.begin() as session:
        record_troubled_history(session)
    now[0] = 59.0
    assert cached.counts() == {}  # still the reading of a moment ago
    now[0] = 60.0
    assert cached.counts() == {"checkout": 2}
    with sessions.begin() as session:
        _review(session, 103, "regressed")
    assert cached.counts() == {"checkout": 2}
    cached.clear()
    assert cached.counts() == {"checkout": 2, "search": 1}


def test_hotfixes_decided_from_files_count_by_the_component_they_were_decided_with(
    session: Session, engine: Engine
) -> None:
    # `hotgate triage` records decisions, and both its paths (Decision objects and documents
    # built over a batch's columns) keep the component, though no issue is stored.
    one, two = sample_issue(301, component="payments"), sample_issue(302, component="payments")
    store.record_decisions(session, sample_decisions([one]))
    evaluated = evaluate(POLICY, issues_frame([two]), CONTEXT)
    store.record_documents(session, decision_documents(POLICY, evaluated, CONTEXT))
    for number in (301, 302):
        _review(session, number, "approve", "deployed", "rolled-back")
    assert store.troubled_hotfixes_by_component(session) == {"payments": 2}
    session.commit()
    figures = area_trouble_counts(store_decisions(engine))
    assert figures == {"payments": 2}
