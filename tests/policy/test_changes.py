"""The content lane's rules, case by case: simple, needed, safe, timing, and what is inferred."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hotgate.model import ChangeRequest
from hotgate.policy.changes.content_lane import decide_changes
from hotgate.policy.deciding.engine import Context, release_on
from hotgate.policy.definition.schema import Policy, load_policy

AS_OF = date(2026, 11, 23)
RELEASE = date(2026, 12, 3)


@pytest.fixture(scope="module")
def policy() -> Policy:
    """The built-in default policy."""
    return load_policy()


def _context(release: date | None = RELEASE) -> Context:
    return Context(as_of=AS_OF, release=release_on("2026.12", release, AS_OF) if release else None)


def _decide(policy: Policy, release: date | None = RELEASE, **fields: Any) -> Any:
    fields.setdefault("id", "T-1")
    fields.setdefault("title", "A change")
    change = ChangeRequest(**fields)
    return next(decide_changes(policy, [change], _context(release)))


def _answers(decision: Any) -> dict[str, str]:
    return {c.name: c.answer for c in decision.criteria}


def _rule(decision: Any, name: str) -> str | None:
    return next(c.evidence.rule for c in decision.criteria if c.name == name)


# A simple, needed, safe request to vary one field at a time.
GOOD: dict[str, Any] = {
    "title": "Black Friday banner text",
    "changes": ["text"],
    "areas": ["homepage"],
    "template": "promo-banner",
    "needed_by": date(2026, 11, 27),
}


@pytest.mark.parametrize(
    ("fields", "criterion", "answer", "rule"),
    [
        # simple
        ({"changes": ["text"]}, "simple", "yes", "simple-kinds"),
        ({"changes": ["image", "text"]}, "simple", "yes", "simple-kinds"),
        ({"changes": ["stock"], "template": "stock-level"}, "simple", "yes", "simple-kinds"),
        (
            {"changes": ["shipping", "text"], "template": "shipping-notice"},
            "simple",
            "yes",
            "simple-kinds",
        ),
        ({"changes": ["price"]}, "simple", "no", "not-simple-kind"),
        ({"changes": ["text", "layout"]}, "simple", "no", "not-simple-kind"),
        ({"changes": ["script"]}, "simple", "no", "not-simple-kind"),
        ({"changes": ["checkout"]}, "simple", "no", "not-simple-kind"),
        ({"changes": ["other"]}, "simple", "no", "not-simple-kind"),
        (
            {"areas": ["homepage", "product-page", "category-page", "landing-page"]},
            "simple",
            "no",
            "too-large",
        ),
        ({"paths": [f"content/banners/b{i}.md" for i in range(11)]}, "simple", "no", "too-large"),
        (
            {"paths": [f"content/banners/b{i}.md" for i in range(10)]},
            "simple",
            "yes",
            "simple-kinds",
        ),
        # needed
        ({"needed_by": date(2026, 11, 27)}, "needed", "yes", "time-bound"),
        (
            {"needed_by": None, "reason": "The summer promotion has ended"},
            "needed",
            "yes",
            "time-bound",
        ),
        (
            {"needed_by": None, "title": "Banner text", "reason": "Nicer wording"},
            "needed",
            "no",
            "no-time-bound-reason",
        ),
        ({"needed_by": None, "title": "Banner text"}, "needed", "unknown", None),
        (
            {"needed_by": None, "answers": {"needed": "yes"}},
            "needed",
            "yes",
            "answered-by-a-person",
        ),
        # safe
        ({"areas": ["cart"]}, "safe", "no", "protected-area"),
        ({"areas": ["checkout"]}, "safe", "no", "protected-area"),
        ({"areas": ["sign-in"]}, "safe", "no", "protected-area"),
        ({"paths": ["content/checkout/thank-you.md"]}, "safe", "no", "protected-area"),
        ({"paths": ["content/banners/promo.js"]}, "safe", "no", "custom-code"),
        ({"custom_code": True}, "safe", "no", "custom-code"),
        ({"template": "popup-builder"}, "safe", "no", "template-not-approved"),
        ({"template": "stock-level"}, "safe", "no", "template-does-not-allow"),
        (
            {"changes": ["template"], "template": None, "title": "Fill in the block"},
            "safe",
            "unknown",
            None,
        ),
        ({"changes": ["template"], "template": "promo-banner"}, "safe", "yes", "content-only"),
        ({"template": None}, "safe", "yes", "content-only"),
        ({"answers": {"safe": "no"}}, "safe", "no", "answered-by-a-person"),
    ],
)
def test_each_rule_answers_its_criterion(
    policy: Policy, fields: dict[str, Any], criterion: str, answer: str, rule: str | None
) -> None:
    decision = _decide(policy, **{**GOOD, **fields})
    assert _answers(decision)[criterion] == answer
    assert _rule(decision, criterion) == rule


@pytest.mark.parametrize(
    ("title", "description", "kinds", "protected", "code"),
    [
        ("Add a tracking pixel script to the cart page", "", {"script"}, True, True),
        ("Add a tracking script to the homepage banner", "", {"script"}, False, True),
        ("Update the banner text on the homepage", "", {"text"}, False, False),
        ("New hero image for the winter sale", "", {"image"}, False, False),
        ("Winter boots are sold out", "Set the stock level to zero.", {"stock"}, False, False),
        (
            "Holiday shipping deadline",
            "Last order date for Christmas delivery.",
            {"shipping"},
            False,
            False,
        ),
        ("Make the checkout button green", "", {"layout", "checkout"}, True, False),
        ("Lower the price of the rain jacket", "", {"price"}, False, False),
        ("Embed the chat widget on the sign-in page", "", {"script"}, True, True),
        ("Update the homepage banner copy", "No script or code changes.", {"text"}, False, False),
    ],
)
def test_kind_area_and_code_are_inferred_from_the_text(
    policy: Policy, title: str, description: str, kinds: set[str], protected: bool, code: bool
) -> None:
    decision = _decide(policy, title=title, description=description)
    simple = next(c for c in decision.criteria if c.name == "simple")
    found = {s.name.removesuffix("_change") for s in simple.evidence.signals if s.source == "text"}
    safe = next(c for c in decision.criteria if c.name == "safe")
    if kinds - {"text", "image", "stock", "shipping", "template"}:
        assert simple.answer == "no"
        assert kinds - {"text", "image", "stock", "shipping"} <= found
    else:
        assert simple.answer == "yes"
        assert kinds <= found
    assert (safe.evidence.rule == "protected-area") is protected
    if code and not protected:
        assert safe.evidence.rule == "custom-code"
    assert all(s.excerpt for s in simple.evidence.signals)


def test_inferred_evidence_keeps_the_excerpt_and_where_it_was_read(policy: Policy) -> None:
    decision = _decide(policy, title="Add a tracking pixel script to the cart page")
    safe = next(c for c in decision.criteria if c.name == "safe")
    assert decision.verdict == "no-hotfix"
    assert safe.answer == "no"
    [signal] = safe.evidence.signals
    assert (signal.source, signal.where) == ("text", "title")
    assert "cart" in signal.excerpt
    simple = next(c for c in decision.criteria if c.name == "simple")
    assert any("script" in s.excerpt for s in simple.evidence.signals)


@pytest.mark.parametrize(
    ("needed_by", "release", "verdict"),
    [
        (date(2026, 11, 27), RELEASE, "hotfix"),  # the release would miss the date
        (date(2026, 12, 3), RELEASE, "wait"),  # the release lands on the day it is needed
        (date(2026, 12, 20), RELEASE, "wait"),  # the release comes first
        (date(2026, 12, 20), None, "hotfix"),  # no release known: nothing argues for waiting
        (None, RELEASE, "hotfix"),  # needed (promotion) but no date: ship
    ],
)
def test_timing_waits_when_the_release_comes_before_the_date(
    policy: Policy, needed_by: date | None, release: date | None, verdict: str
) -> None:
    fields = {**GOOD, "needed_by": needed_by, "reason": "The Black Friday promotion starts"}
    decision = _decide(policy, release=release, **fields)
    assert decision.verdict == verdict
    timing = decision.reasons[-1]
    assert (RELEASE.isoformat() in timing) is (release is not None)


@pytest.mark.parametrize(
    ("needed_by", "verdict"),
    [
        (date(2026, 12, 2), "hotfix"),  # needed between the freeze and the release: too late
        (date(2026, 12, 4), "wait"),  # the release (not its freeze) comes first
    ],
)
def test_content_weighs_the_release_day_not_its_freeze(
    policy: Policy, needed_by: date, verdict: str
) -> None:
    from hotgate.policy.deciding.calendar import Calendar, Milestone, context_from_options

    calendar = Calendar(
        milestones=(
            Milestone(date(2026, 12, 1), "freeze", "freeze for 2026.12", "2026.12"),
            Milestone(RELEASE, "release", "2026.12"),
        )
    )
    context = context_from_options(AS_OF, None, calendar)
    assert context.release is not None and context.release.kind == "freeze"  # what bugs weigh
    fields = {**GOOD, "needed_by": needed_by, "reason": "The Black Friday promotion starts"}
    decision = next(decide_changes(policy, [ChangeRequest(id="T-2", **fields)], context))
    assert decision.verdict == verdict
    assert decision.release is not None and decision.release.date == RELEASE
    assert RELEASE.isoformat() in decision.reasons[-1]


@pytest.mark.parametrize(
    ("fields", "verdict"),
    [
        (GOOD, "hotfix"),
        ({**GOOD, "changes": ["price"]}, "no-hotfix"),
        ({**GOOD, "areas": ["checkout"]}, "no-hotfix"),
        ({**GOOD, "needed_by": None, "title": "Banner text"}, "needs-info"),
        ({"title": "Refresh some things on the site"}, "needs-info"),
    ],
)
def test_verdicts(policy: Policy, fields: dict[str, Any], verdict: str) -> None:
    decision = _decide(policy, **fields)
    assert decision.verdict == verdict
    assert decision.subject.kind == "change"
    assert decision.subject.key == "change:T-1"
    if verdict == "needs-info":
        assert decision.questions
    else:
        assert not decision.questions


def test_a_batch_is_decided_in_order_with_the_same_answers_as_one_by_one(policy: Policy) -> None:
    changes = [
        ChangeRequest(id=str(i), title=title)
        for i, title in enumerate(
            [
                "Black Friday banner text on the homepage",
                "Add a tracking pixel script to the cart page",
                "Lower the price of the rain jacket",
                "Refresh some things",
            ]
        )
    ]
    batch = list(decide_changes(policy, changes, _context()))
    alone = [next(decide_changes(policy, [c], _context())) for c in changes]
    assert [d.subject.key for d in batch] == [c.key for c in changes]
    assert [d.model_dump() for d in batch] == [d.model_dump() for d in alone]


@pytest.mark.parametrize(
    ("fields", "cost", "risk"),
    [
        # needed (weight 1) and needed in 4 days, released in 10: 6 days late
        (GOOD, 6.0, 1.0),
        # needed, no date: late by all 10 days until the release
        ({**GOOD, "needed_by": None, "reason": "the sale starts today"}, 10.0, 1.0),
        # a protected area doubles the risk; code makes it 1.5 times more
        ({**GOOD, "areas": ["cart"], "custom_code": True}, 6.0, 3.0),
    ],
)
def test_cost_of_waiting_and_risk_of_the_hotfix(
    policy: Policy, fields: dict[str, Any], cost: float, risk: float
) -> None:
    decision = _decide(policy, **fields)
    assert decision.risk.cost_of_waiting == cost
    assert decision.risk.risk_of_hotfix == pytest.approx(risk * (1 + 1 / 10), abs=0.01)
    assert {f.name for f in decision.risk.cost_factors} == {"need_weight", "days_late"}


@pytest.mark.parametrize(
    ("custom_code", "paths", "safe", "rule"),
    [
        (None, None, "no", "custom-code"),  # "code" in the text reads as a script
        (False, None, "yes", "content-only"),  # the person said there is no code
        (False, ["content/banners/tracking.js"], "no", "custom-code"),  # a code file says more
        (True, None, "no", "custom-code"),
    ],
)
def test_what_the_person_says_about_code_outweighs_the_text(
    policy: Policy, custom_code: bool | None, paths: list[str] | None, safe: str, rule: str
) -> None:
    decision = _decide(
        policy,
        title="Update the homepage banner copy",
        description="The agency's tracking code stays as it is.",
        custom_code=custom_code,
        paths=paths,
        template="promo-banner",
    )
    assert _answers(decision)["safe"] == safe
    assert _rule(decision, "safe") == rule
