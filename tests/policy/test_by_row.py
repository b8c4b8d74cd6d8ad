"""A few bugs decided row by row (engine.evaluate_rows) get exactly the values the columns give.

Every column `evaluate` makes is compared, floats to the bit: signals, levels, each rule that
held, log-odds, probabilities, answers, the sets worth asking, the risk's factors and numbers,
the verdict. On the conformance cases, on hand-made rows for the policy's corners (a person's
answers, levels from labels and raw fields, a maintainer's comment, telemetry, a release near,
a blackout, a cost ratio, an override), and on real reports.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from test_real_world_cases import BLIND_CASES, CASES, _policy, _read

from builders import AS_OF, SHARED_DATA, far_release, mixed_issues
from hotgate.model import Issue
from hotgate.policy.deciding.engine import (
    ROW_BATCH,
    Context,
    by_row,
    evaluate,
    evaluate_rows,
    evaluated_rows,
    release_on,
)
from hotgate.policy.deciding.risk import rounded
from hotgate.policy.definition.schema import (
    Blackout,
    Policy,
    default_policy_text,
    load_policy,
    parse_policy,
)
from hotgate.policy.reading.signals import issues_frame
from hotgate.sources.reader import read_items

POLICY = load_policy(None)
TRACKERS = SHARED_DATA / "trackers"


def _compared(policy: Policy, frame: pl.DataFrame, context: Context) -> tuple[list[str], set[str]]:
    """Each (row, column) where the rows and the columns disagree, with both values; and the
    verdicts given (to show a comparison was not of one answer only)."""
    columns = evaluate(policy, frame, context).to_dicts()
    rows = evaluate_rows(policy, frame, context)
    assert len(rows) == len(columns) == frame.height
    found = []
    for i, (expected, got) in enumerate(zip(columns, rows, strict=True)):
        for name, value in expected.items():
            if name not in got:
                found.append(f"row {i}: no column {name}")
            elif not _same(value, got[name]):
                found.append(f"row {i} ({expected['key']}): {name} {value!r} != {got[name]!r}")
    return found, {row["verdict"] for row in rows}


def _differences(policy: Policy, frame: pl.DataFrame, context: Context) -> list[str]:
    return _compared(policy, frame, context)[0]


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same type: 1 and 1.0, or True and 1, are told apart."""
    return type(a) is type(b) and a == b


def _corners() -> list[Issue]:
    return [
        *mixed_issues(),
        Issue(
            key="t:6",
            source="t",
            title="Orders lost on save",
            body="Data loss since 4.2: saved orders disappear. 30% of users affected.",
            answers={"broad_reach": "yes", "no_workaround": "no"},
            severity_raw="Critical",
            priority_raw="Major",
        ),
        Issue(
            key="t:7",
            source="t",
            title="Security: session token leaks in logs",
            body="Any user can read another's token.",
            labels=["security", "severity: S1", "regression"],
            affected_share=0.8,
            fix_lines=400,
            fix_has_tests=False,
        ),
        Issue(
            key="t:8",
            source="t",
            title="!!",
            body="",
            labels=["P-critical", "I-unsound"],
            priority="P2",
            fix_has_tests=True,
            duplicates=12,
            votes=40,
        ),
        Issue(key="t:9", source="t", title="Typo", body="Steps:\n1. open\n2. look\n", type="Task"),
    ]


def test_rows_equal_columns_on_the_policy_corners() -> None:
    frame = issues_frame(_corners()).with_columns(
        area_hotfix_trouble=pl.Series([0, 2] * 4 + [None]),
        body=pl.when(pl.col("key") == "t:8").then(None).otherwise(pl.col("body")),  # none at all
    )
    contexts = [
        far_release(),
        Context(as_of=AS_OF),  # no release known
        Context(as_of=AS_OF, release=release_on("4.0", AS_OF + timedelta(days=1), AS_OF)),
        Context(
            as_of=AS_OF,
            release=release_on("4.0", AS_OF + timedelta(days=20), AS_OF),
            blackout=Blackout(name="holidays", start=AS_OF, end=AS_OF + timedelta(days=9)),
        ),
    ]
    verdicts = set()
    for context in contexts:
        differences, given = _compared(POLICY, frame, context)
        assert differences == []
        verdicts |= given
    assert verdicts == {"hotfix", "wait", "needs-info", "no-hotfix"}  # every branch was taken


def test_rows_equal_columns_with_a_cost_ratio_and_another_audience() -> None:
    text = default_policy_text().replace("min_cost_ratio: null", "min_cost_ratio: 1.5")
    policy = parse_policy(text.replace("audience: end-users", "audience: developers"), "test")
    # not vacuous: both replacements took
    assert policy.timing.min_cost_ratio == 1.5 and policy.audience == "developers"
    assert _differences(policy, issues_frame(_corners()), far_release()) == []


def test_a_few_bugs_are_decided_by_row_and_the_rest_as_columns() -> None:
    assert by_row(POLICY, 1) and by_row(POLICY, ROW_BATCH) and not by_row(POLICY, ROW_BATCH + 1)
    one = issues_frame(_corners()[:1])
    assert "_low_title" in evaluated_rows(POLICY, one, far_release())[0]  # the row path's own
    many = issues_frame(_corners() * 2)
    assert "_low_title" not in evaluated_rows(POLICY, many, far_release())[0]


def test_a_learned_policy_is_decided_as_columns() -> None:
    learned = POLICY.model_copy(update={"learned": object()})
    assert not by_row(learned, 1)
    with pytest.raises(ValueError, match="learned section"):
        evaluate_rows(learned, issues_frame(_corners()[:1]), far_release())


@pytest.mark.realdata
@pytest.mark.parametrize(
    "path",
    [
        TRACKERS / "jira" / "hadoop_jira_export.csv",
        TRACKERS / "bugzilla" / "seamonkey_bugs.csv",
        TRACKERS / "github" / "webcompat_web-bugs_issues.jsonl",
    ],
    ids=lambda p: p.name,
)
def test_rows_equal_columns_on_real_exports(path: Any) -> None:
    items = list(read_items(str(path)))
    issues = [item for item in items if isinstance(item, Issue)]
    frames = [item for item in items if isinstance(item, pl.DataFrame)]
    frame = pl.concat([*frames, *([issues_frame(issues)] if issues else [])])
    sample = frame.sample(min(600, frame.height), seed=5)
    context = Context(as_of=date(2026, 12, 1))
    differences, verdicts = _compared(POLICY, sample, context)
    assert differences == []
    assert len(verdicts) >= 2  # not one answer for everything


@pytest.mark.realdata
def test_rows_equal_columns_on_public_reports() -> None:
    rows = pl.read_parquet(SHARED_DATA / "training" / "bug_severity_public.parquet").sample(
        800, seed=11
    )
    issues = [
        Issue(key=f"r:{i}", source="r", title=title or "untitled", body=body or "")
        for i, (title, body) in enumerate(rows.select("summary", "description").iter_rows())
    ]
    assert _differences(POLICY, issues_frame(issues), far_release()) == []


@pytest.mark.parametrize("decimals", [2, 3])
def test_rounded_as_polars_rounds(decimals: int) -> None:
    """Python's round(12.345, 2) is 12.35, polars' 12.34: the risk's numbers round as polars."""
    values = [12.345, 2.675, 0.125, 1.005, -0.125, 0.0005, 5e-4, 1e300, 0.0]
    values += [k / 1000 + 0.0005 for k in range(-3000, 3000)]
    expected = pl.Series(values).round(decimals).to_list()
    assert [rounded(v, decimals) for v in values] == expected
    assert rounded(12.345, 2) != round(12.345, 2)  # where the two roundings part


def test_rows_equal_columns_on_the_conformance_cases() -> None:
    """Every conformance and blind case, read by its tracker's reader, in both audiences'
    policies."""
    frame = issues_frame([_read(case) for case in CASES + BLIND_CASES])
    differences, verdicts = _compared(_policy(None), frame, far_release())
    assert differences == []
    assert verdicts >= {"hotfix", "needs-info", "no-hotfix"}
    assert _differences(_policy("developers"), frame, far_release()) == []
