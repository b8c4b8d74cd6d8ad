"""Backtest: replaying a small history whose answer is known, and the real Firefox uplift data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from builders import SHARED_DATA
from hotgate.history.backtest import (
    BacktestError,
    Mapping,
    disagreements,
    issue_frame,
    load_mapping,
    read_history,
    replay,
    risk_auc,
    scores,
)
from hotgate.policy.definition.schema import load_policy

POLICY = load_policy()
CRITERIA = POLICY.criterion_names()
ROOT = Path(__file__).resolve().parents[1]
SHARED = SHARED_DATA
CRASH = "Checkout crashes for every user. There is no workaround."
# id, title, severity, days until release, what was actually done -> the policy's verdict
HISTORY = [
    (1, CRASH, "S1", None, "accepted"),  # hotfix: agrees
    (2, CRASH, "S1", None, "rejected"),  # hotfix: history refused it
    (3, "Typo on the about page", "S4", None, "rejected"),  # no-hotfix: agrees
    (4, "Typo in the footer", "S4", None, "accepted"),  # no-hotfix: history shipped it
    (5, "Typo in the help page", "S4", None, "rejected"),  # no-hotfix: agrees
    (6, "Gift card screen crashes", None, None, "accepted"),  # needs-info: reach unknown
    (7, "Returns screen crashes", None, None, "rejected"),  # needs-info: reach unknown
    (8, CRASH, "S1", 1, "accepted"),  # wait (release tomorrow): counts as accepted, agrees
]
MAPPING = Mapping.model_validate(
    {
        "outcome": {"expression": "done", "accepted": ["accepted"], "rejected": ["rejected"]},
        "fields": {
            "key": "'shop#' || CAST(id AS VARCHAR)",
            "title": "title",
            "severity": "severity",
            "days_until_release": "days",
        },
    }
)


def _history() -> pl.DataFrame:
    return pl.DataFrame(
        HISTORY,
        schema={
            "id": pl.Int64,
            "title": pl.String,
            "severity": pl.String,
            "days": pl.Int64,
            "done": pl.String,
        },
        orient="row",
    )


@pytest.fixture(scope="module")
def replayed() -> pl.DataFrame:
    return replay(POLICY, issue_frame(_history(), MAPPING, "history.csv"), date(2026, 11, 23))


def test_verdicts_of_the_small_history(replayed: pl.DataFrame) -> None:
    assert replayed["verdict"].to_list() == [
        "hotfix",
        "hotfix",
        "no-hotfix",
        "no-hotfix",
        "no-hotfix",
        "needs-info",
        "needs-info",
        "wait",
    ]


def test_confusion_matrix_recall_and_balanced_accuracy(replayed: pl.DataFrame) -> None:
    result = scores(replayed, CRITERIA)
    assert result.confusion == {
        "accepted": {"accepted": 2, "rejected": 1, "needs-info": 1},
        "rejected": {"accepted": 1, "rejected": 2, "needs-info": 1},
    }
    assert result.recall == {"accepted": pytest.approx(2 / 3), "rejected": pytest.approx(2 / 3)}
    assert result.balanced_accuracy == pytest.approx(2 / 3)
    assert result.balanced_accuracy_strict == pytest.approx(0.5)  # needs-info counted as a miss
    assert result.undecided == 2
    assert result.unknown_criteria["broad_reach"] == 2


@pytest.mark.parametrize(
    ("risks", "auc"),
    [
        ([1.0, 2.0, 3.0, 4.0], 1.0),  # every rejected row riskier than every accepted one
        ([4.0, 3.0, 2.0, 1.0], 0.0),
        ([1.0, 1.0, 1.0, 1.0], 0.5),  # ties count half
        ([1.0, 3.0, 2.0, 4.0], 0.75),
    ],
)
def test_risk_auc(risks: list[float], auc: float) -> None:
    # the first two rows were accepted, the last two rejected
    actual = ["accepted", "accepted", "rejected", "rejected"]
    frame = pl.DataFrame({"risk_of_hotfix": risks, "actual": actual})
    assert risk_auc(frame) == pytest.approx(auc)


def test_disagreements_strongest_first(replayed: pl.DataFrame) -> None:
    worst = disagreements(replayed, CRITERIA, top=5)
    assert worst["key"].to_list() == ["shop#2", "shop#4"]
    assert worst["actual"].to_list() == ["rejected", "accepted"]
    assert "significant=no:typo" in worst["rules"][1]


def test_lopsided_classes_never_hide_behind_accuracy() -> None:
    # Nine accepted that the policy calls hotfix, one rejected it also calls hotfix:
    # plain accuracy would be 90 %, balanced accuracy is 50 %.
    rows = [(i, CRASH, "S1", None, "accepted") for i in range(9)] + [
        (9, CRASH, "S1", None, "rejected")
    ]
    history = pl.DataFrame(rows, schema=_history().schema, orient="row")
    result = scores(
        replay(POLICY, issue_frame(history, MAPPING, "h"), date(2026, 11, 23)), CRITERIA
    )
    assert result.recall == {"accepted": 1.0, "rejected": 0.0}
    assert result.balanced_accuracy == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"outcome": {"expression": "done"}, "fields": {"sevrity": "severity"}},
            "not hotgate issue fields: sevrity",
        ),
        (
            {"outcome": {"expression": "nope"}, "fields": {"title": "title"}},
            "the mapping does not fit",
        ),
        (
            {"outcome": {"expression": "done", "accepted": ["yes"]}, "fields": {"title": "title"}},
            "neither accepted nor rejected",
        ),
    ],
)
def test_bad_mappings_name_the_problem(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(BacktestError, match=message):
        issue_frame(_history(), Mapping.model_validate(mapping), "history.csv")


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("channel", "rows", "accepted", "rejected"),
    [("aurora", 4423, 4361, 62), ("beta", 2644, 2416, 228)],
)
def test_firefox_uplift_history(channel: str, rows: int, accepted: int, rejected: int) -> None:
    mapping = load_mapping(ROOT / "examples" / "backtest" / "firefox-uplift-mapping.yaml")
    history = read_history(SHARED / "history" / f"firefox_uplift_{channel}.csv")
    result = scores(
        replay(POLICY, issue_frame(history, mapping, channel), date(2016, 8, 31)), CRITERIA
    )
    assert result.rows == rows
    assert sum(result.confusion["accepted"].values()) == accepted
    assert sum(result.confusion["rejected"].values()) == rejected
    # Without text, severity or reach, the burden of proof decides most requests as no-hotfix;
    # crashes stay undecided, since only reach (never in these columns) could lift them.
    assert 0.2 < result.undecided / rows < 0.4
    assert result.unknown_criteria["broad_reach"] == result.undecided
    assert result.confusion["accepted"]["accepted"] + result.confusion["rejected"]["accepted"] < 10
