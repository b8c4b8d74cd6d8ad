"""Learning from the store: reviewed decisions as examples, a policy that reproduces them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from hotgate import store
from hotgate.history.examples import LearningError
from hotgate.history.learn import learn
from hotgate.history.store_examples import from_store, outcome
from hotgate.model import Decision, Issue
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.definition.schema import Policy, default_policy_text, load_policy, parse_policy
from hotgate.service import decide_issues
from hotgate.store.learning import overrides_by_criterion
from samples import SAMPLE_DAY, sample_decisions

CRASH = "The app crashes for every user when they open {}. There is no workaround."
TYPO = "Typo in the {} help text"


def team_history() -> list[tuple[Issue, bool]]:
    """Crashes in checkout ship early; crashes in search and typos anywhere wait."""
    cases: list[tuple[Issue, bool]] = []
    for n in range(36):
        for component, title, ships in (
            ("checkout", CRASH, True),
            ("search", CRASH, False),
            ("docs", TYPO, False),
        ):
            key = f"github:acme/shop#{len(cases) + 1}"
            issue = Issue(
                key=key,
                source="github",
                title=title.format(component),
                body=f"Seen in build {n}.",
                component=component,
            )
            cases.append((issue, ships))
    return cases


def review_as_the_team(session: Session, cases: list[tuple[Issue, bool]]) -> None:
    decisions = sample_decisions([issue for issue, _ in cases])
    store.record_decisions(session, decisions)
    recorded = {d.subject_key: d for d in store.list_decisions(session, limit=1000)[0]}
    for n, (issue, ships) in enumerate(cases):
        decision = recorded[issue.key]
        says_ship = decision.verdict in {"hotfix", "wait"}
        if says_ship == ships and decision.verdict != "needs-info":
            store.review(session, decision.id, "approve", "rm")
        elif says_ship and n % 2:
            store.review(session, decision.id, "reject", "rm")
        else:
            verdict = "hotfix" if ships else "no-hotfix"
            store.review(
                session, decision.id, "override", "rm", reason="team rule", verdict=verdict
            )
    session.flush()


@pytest.mark.parametrize(
    ("verdict", "state", "final", "expected"),
    [
        ("hotfix", "approved", "hotfix", "accepted"),
        ("no-hotfix", "approved", "no-hotfix", "rejected"),
        ("hotfix", "rejected", None, "rejected"),
        ("no-hotfix", "rejected", None, "accepted"),
        ("needs-info", "rejected", None, None),
        ("no-hotfix", "overridden", "hotfix", "accepted"),
        ("hotfix", "overridden", "needs-info", None),
        ("hotfix", "rolled-back", "hotfix", "accepted"),
    ],
)
def test_what_people_did_is_the_label(
    verdict: str, state: str, final: str | None, expected: str | None
) -> None:
    assert outcome(verdict, state, final) == expected


def test_a_policy_learned_from_the_store_reproduces_its_training_decisions(
    session: Session,
) -> None:
    cases = team_history()
    review_as_the_team(session, cases)
    examples = from_store(session)
    assert examples.counts() == {"accepted": 36, "rejected": 72}
    result = learn(examples, load_policy(), default_policy_text())
    policy = parse_policy(result.text, "learned")
    decisions = sample_decisions_with(policy, [issue for issue, _ in cases])
    agree = sum(
        (d.probability >= policy.decision.hotfix_at) == ships
        for d, (_, ships) in zip(decisions, cases, strict=True)
    )
    assert agree / len(cases) >= 0.9
    names = {f.name for f in result.learned.qualifies.features}
    assert "component checkout" in names
    table = overrides_by_criterion(session)
    assert set(table) == {"significant", "broad_reach", "no_workaround"}
    assert sum(c["overridden"] for c in table["significant"].values()) > 0


def sample_decisions_with(policy: Policy, issues: list[Issue]) -> list[Decision]:
    """Decide the issues again under another policy, on the day they were first decided."""
    return list(decide_issues(issues, policy, context_from_options(SAMPLE_DAY, None)))


def test_an_unreviewed_store_is_refused(session: Session, tmp_path: Path) -> None:
    store.record_decisions(session, sample_decisions([issue for issue, _ in team_history()[:5]]))
    session.flush()
    with pytest.raises(LearningError, match="nothing to learn from: 0 decided rows"):
        learn(from_store(session), load_policy(), default_policy_text())
