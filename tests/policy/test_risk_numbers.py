"""The cost of waiting, the risk of the hotfix with its history factor, and min_cost_ratio."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context, evaluate, release_on, to_decision
from hotgate.policy.definition.schema import default_policy_text, load_policy, parse_policy
from hotgate.policy.reading.signals import issues_frame
from hotgate.service import with_area_trouble

POLICY = load_policy()
AS_OF = date(2026, 11, 23)
ISSUE = Issue(
    key="github:shop/web#7",
    source="github",
    title="Checkout crashes for every user",
    body="Checkout crashes on every page load. There is no workaround.",
    severity="S1",
    component="checkout",
    fix_lines=100,
    fix_has_tests=False,
    affected_share=0.6,
)


def _evaluate(
    frame: pl.DataFrame, context: Context, policy_text: str | None = None
) -> dict[str, object]:
    policy = parse_policy(policy_text) if policy_text else POLICY
    return evaluate(policy, frame, context).row(0, named=True)


@pytest.mark.parametrize(("troubled", "risk"), [(0, 6.0), (1, 9.0), (2, 12.0)])
def test_past_troubled_hotfixes_in_the_area_raise_the_risk(troubled: int, risk: float) -> None:
    # (1 + 100/100) × 2.0 core function × 1.5 untested × (1 + 0.5 × troubled)
    frame = issues_frame([ISSUE]).with_columns(area_hotfix_trouble=pl.lit(troubled, dtype=pl.Int64))
    row = _evaluate(frame, Context(as_of=AS_OF))
    assert row["risk_of_hotfix"] == risk


def test_history_factor_is_shown_in_the_decision() -> None:
    frame = issues_frame([ISSUE]).with_columns(area_hotfix_trouble=pl.lit(2, dtype=pl.Int64))
    context = Context(as_of=AS_OF)
    decision = to_decision(POLICY, _evaluate(frame, context), context)
    factors = {f.name: f for f in decision.risk.risk_factors}
    assert factors["troubled_hotfixes_in_area"].value == 2.0
    assert "checkout" in factors["troubled_hotfixes_in_area"].note
    assert "history_factor" in decision.risk.risk_formula


def test_no_history_column_counts_none() -> None:
    row = _evaluate(issues_frame([ISSUE]), Context(as_of=AS_OF))
    assert row["_troubled_hotfixes"] == 0.0


@pytest.mark.parametrize(
    ("troubled", "component", "note"),
    [
        (None, "checkout", "no record of past hotfixes was consulted, so none counts"),
        (2, None, "the bug names no component, so no past hotfix counts"),
        (0, "checkout", "no past hotfix in component 'checkout' was rolled back or regressed"),
        (
            1,
            "checkout",
            "1 past hotfix in component 'checkout' was rolled back or followed by a regression; "
            "it adds 0.5 to the multiplier",
        ),
        (
            2,
            "checkout",
            "2 past hotfixes in component 'checkout' were rolled back or followed by a "
            "regression; each adds 0.5 to the multiplier",
        ),
    ],
)
def test_the_history_note_says_what_was_counted(
    troubled: int | None, component: str | None, note: str
) -> None:
    issue = ISSUE.model_copy(update={"component": component})
    frame = issues_frame([issue]).with_columns(area_hotfix_trouble=pl.lit(troubled, dtype=pl.Int64))
    context = Context(as_of=AS_OF)
    decision = to_decision(POLICY, _evaluate(frame, context), context)
    factors = {f.name: f for f in decision.risk.risk_factors}
    assert factors["troubled_hotfixes_in_area"].note == note


def test_cost_of_waiting_counts_days_until_release() -> None:
    # reach 0.6 (telemetry) × S1 weight 4 × 10 days × 1 (not a regression)
    context = Context(as_of=AS_OF, release=release_on("2.4", date(2026, 12, 3), AS_OF))
    assert _evaluate(issues_frame([ISSUE]), context)["cost_of_waiting"] == 24.0


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        ("null", "hotfix"),
        ("3.0", "hotfix"),  # 24 >= 3 × 6
        ("4.0", "hotfix"),  # 24 >= 4 × 6: equal is enough
        ("4.5", "wait"),  # 24 < 4.5 × 6 = 27
    ],
)
def test_min_cost_ratio(ratio: str, verdict: str) -> None:
    text = default_policy_text().replace("min_cost_ratio: null", f"min_cost_ratio: {ratio}")
    policy = parse_policy(text)
    context = Context(as_of=AS_OF, release=release_on("2.4", date(2026, 12, 3), AS_OF))
    row = evaluate(policy, issues_frame([ISSUE]), context).row(0, named=True)
    decision = to_decision(policy, row, context)
    assert decision.verdict == verdict
    if verdict == "wait":
        assert any("is under 4.5 × the risk of the hotfix (6.0)" in r for r in decision.reasons)


def test_each_bug_gets_its_components_count_of_troubled_hotfixes() -> None:
    bugs = [
        ISSUE,
        ISSUE.model_copy(update={"component": "search"}),
        ISSUE.model_copy(update={"component": None}),
    ]
    frame = issues_frame(bugs)
    counted = with_area_trouble(frame, {"checkout": 3, "cart": 1})
    assert counted["area_hotfix_trouble"].to_list() == [3, 0, 0]
    assert counted["area_hotfix_trouble"].dtype == pl.Int64
    assert with_area_trouble(frame, None) is frame  # no store asked: the policy fills it
