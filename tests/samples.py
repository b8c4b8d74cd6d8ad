"""Sample bugs decided with the built-in policy, and a troubled history of hotfixes, for tests.

They decide (through the service) and record (through the store), so they live above both,
here with the tests, rather than in the store, which makes no decisions.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from hotgate import store
from hotgate.model import Decision, Issue
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.definition.schema import Policy, load_policy
from hotgate.service import decide_issues
from hotgate.store.records import Action

# Bugs written for tests, one per verdict the default policy gives them.
SAMPLE_BUGS: dict[str, dict[str, Any]] = {
    "hotfix": {
        "title": "Checkout crashes for every user",
        "body": (
            "The app crashes on checkout for every user, on every page. There is no workaround."
        ),
        "labels": ["severity-critical"],
    },
    "no-hotfix": {
        "title": "Typo on the about page",
        "body": "A cosmetic typo in the footer text.",
        "labels": ["typo"],
    },
    "needs-info": {
        "title": "Gift card screen crashes",
        "body": "Opening the gift card screen crashes the app. No idea how many customers use it.",
        "labels": ["bug"],
    },
}
SAMPLE_DAY = date(2026, 11, 1)
# Past hotfixes record_troubled_history leaves: key number -> (component, review steps).
TROUBLED_HISTORY: dict[int, tuple[str, list[Action]]] = {
    101: ("checkout", ["approve", "deployed", "rolled-back"]),
    102: ("checkout", ["approve", "deployed", "verified", "regressed"]),
    103: ("search", ["approve", "deployed", "verified"]),
}


def sample_issue(
    number: int, kind: str = "hotfix", repo: str = "acme/shop", **changes: Any
) -> Issue:
    """A bug of the given kind (a key of SAMPLE_BUGS) with the key github:REPO#NUMBER."""
    fields = {**SAMPLE_BUGS[kind], **changes}
    return Issue(key=f"github:{repo}#{number}", source="github", **fields)


def sample_decisions(issues: list[Issue], next_release: date | None = None) -> list[Decision]:
    """Decide issues with the built-in policy as of SAMPLE_DAY."""
    context = context_from_options(SAMPLE_DAY, next_release)
    return decide_issues(issues, builtin_policy(), context)


def record_troubled_history(session: Session) -> dict[str, int]:
    """Store TROUBLED_HISTORY's hotfixes with their reviews; returns the troubled per component.

    In checkout one hotfix was rolled back and one followed by a regression; in search one
    was verified and caused no trouble. Nothing is committed here.
    """
    issues = [sample_issue(n, component=c) for n, (c, _) in TROUBLED_HISTORY.items()]
    store.upsert_issues(session, issues)
    store.record_decisions(session, sample_decisions(issues))
    for n, (_, actions) in TROUBLED_HISTORY.items():
        [decision], _ = store.list_decisions(session, key=f"github:acme/shop#{n}")
        assert decision.verdict == "hotfix", decision
        for action in actions:
            store.review(session, decision.id, action, "release manager")
    return {"checkout": 2}


@cache
def builtin_policy() -> Policy:
    """The built-in policy, loaded once."""
    return load_policy(None)
