"""Hotfix report figures, checked against a hand-counted set of decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hotgate.reports.decision_files import ReadTally, read_decisions
from hotgate.reports.figures import area_trouble_counts, figures

# Ten decisions as `hotgate triage --format jsonl` writes them, with review states added;
# every figure below was counted by hand from this table:
#
#  key                component verdict     state        release  decided     reported
#  github:shop/web#1  checkout  hotfix      deployed     2.4      2026-11-02  2026-11-01 (1 day)
#  github:shop/web#2  checkout  hotfix      rolled-back  2.4      2026-11-10  2026-11-07 (3 days)
#  jira:SHOP-3        search    hotfix      verified     2.4      2026-11-15  2026-11-05 (10 days)
#  jira:SHOP-4        search    hotfix      verified, then a regression 2.4 2026-11-20  -
#  github:shop/web#5  checkout  hotfix      rejected     2.4      2026-11-21  -
#  bugzilla:bmo#6     -         hotfix      -            2.5      2026-12-05  2026-12-01 (4 days)
#  github:shop/web#7  checkout  wait        -            2.5      2026-12-06  -
#  github:shop/web#8  search    no-hotfix   -            2.5      2026-12-07  2026-12-07 (0 days)
#  jira:SHOP-9        cart      needs-info  -            -        2026-12-08  -
#  jira:SHOP-10       cart      hotfix      deployed     -        2026-12-09  -
FIXTURE = Path(__file__).parent / "fixtures" / "reports" / "decisions.jsonl"
FIRST_LINE = FIXTURE.read_text().splitlines()[0]


@pytest.fixture
def decisions_file() -> Path:
    return FIXTURE


@pytest.fixture
def report(decisions_file: Path) -> dict[str, Any]:
    tally = ReadTally()
    data = figures(read_decisions(decisions_file, tally), budget=3)
    assert (tally.read, tally.skipped) == (10, [])
    return data


def test_verdicts(report: dict[str, Any]) -> None:
    assert report["verdicts"] == {"hotfix": 7, "needs-info": 1, "wait": 1, "no-hotfix": 1}


def test_hotfixes_per_release_and_budget(report: dict[str, Any]) -> None:
    # SHOP-5 was rejected by a person: not a hotfix.
    assert report["per_release"] == [
        {"release": "2.4", "release_date": "2026-12-03", "hotfixes": 4, "over_budget": True},
        {"release": "2.5", "release_date": "2026-12-17", "hotfixes": 1, "over_budget": False},
        {
            "release": "(no release known)",
            "release_date": None,
            "hotfixes": 1,
            "over_budget": False,
        },
    ]
    assert report["warnings"] == ["Release cycle 2.4 had 4 hotfixes, over the budget of 3."]


def test_per_month(report: dict[str, Any]) -> None:
    assert report["per_month"] == [
        {
            "month": "2026-11",
            "hotfixes": 4,
            "hotfix": 5,
            "needs-info": 0,
            "wait": 0,
            "no-hotfix": 0,
        },
        {
            "month": "2026-12",
            "hotfixes": 2,
            "hotfix": 2,
            "needs-info": 1,
            "wait": 1,
            "no-hotfix": 1,
        },
    ]


def test_by_source_and_component(report: dict[str, Any]) -> None:
    assert report["by_source"] == [
        {"name": "jira", "hotfixes": 3, "troubled": 1},
        {"name": "github", "hotfixes": 2, "troubled": 1},
        {"name": "bugzilla", "hotfixes": 1, "troubled": 0},
    ]
    assert report["by_component"] == [
        {"name": "checkout", "hotfixes": 2, "troubled": 1},
        {"name": "search", "hotfixes": 2, "troubled": 1},
        {"name": "(unknown)", "hotfixes": 1, "troubled": 0},
        {"name": "cart", "hotfixes": 1, "troubled": 0},
    ]


def test_trouble_share(report: dict[str, Any]) -> None:
    assert report["trouble"] == {
        "hotfixes": 6,
        "shipped": 5,
        "troubled": 2,
        "rolled_back": 1,
        "share_of_hotfixes": pytest.approx(2 / 6),
        "share_of_shipped": pytest.approx(2 / 5),
    }


def test_time_from_report_to_decision(report: dict[str, Any]) -> None:
    # days: 1, 3, 10, 4, 0 -> median 3, mean 3.6, 90th percentile 4 + 0.6 × (10 - 4) = 7.6
    assert report["time_to_decision"] == {
        "count": 5,
        "median_days": 3.0,
        "p90_days": 7.6,
        "mean_days": 3.6,
    }


def test_area_trouble_feeds_the_risk(decisions_file: Path) -> None:
    frame = read_decisions(decisions_file, ReadTally())
    assert area_trouble_counts(frame) == {"checkout": 1, "search": 1}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "line 1: unexpected character"),
        ('{"verdict": "hotfix"}', "line 1: subject.key: missing"),
        (
            '{"subject": {"key": "a:1"}, "verdict": "maybe"}',
            "line 1: verdict: 'maybe' is not a verdict",
        ),
        (
            '{"subject": {"key": "a:1"}, "verdict": "hotfix", "as_of": "yesterday"}',
            "is not a date or time",
        ),
    ],
)
def test_bad_records_are_skipped_and_named(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n" + FIRST_LINE + "\n")
    tally = ReadTally()
    frame = read_decisions(path, tally)
    assert frame.height == 1
    assert len(tally.skipped) == 1
    assert reason in tally.skipped[0]
    assert str(path) in tally.skipped[0]
