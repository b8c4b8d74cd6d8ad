"""The Firefox uplift history: learning on one channel and testing on the other (real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import SHARED_DATA
from hotgate.history.backtest import load_mapping
from hotgate.history.evaluation import cross_validate, train_test
from hotgate.history.examples import from_history
from hotgate.policy.definition.schema import default_policy_text, load_policy

ROOT = Path(__file__).resolve().parents[2]
SHARED = SHARED_DATA
MAPPING = ROOT / "examples" / "backtest" / "firefox-uplift-learn.yaml"
pytestmark = pytest.mark.realdata


def examples(channel: str):  # type: ignore[no-untyped-def]
    mapping = load_mapping(MAPPING)
    path = SHARED / "history" / f"firefox_uplift_{channel}.csv"
    return from_history(path, mapping, load_policy(), mapping.as_of)  # type: ignore[arg-type]


def test_learned_on_aurora_ranks_beta_better_than_chance_and_the_baseline() -> None:
    result = train_test(examples("aurora"), examples("beta"), load_policy(), default_policy_text())
    assert result.learned.rows == 2644
    assert result.learned.roc_auc is not None and result.learned.roc_auc > 0.55
    assert result.baseline.roc_auc is not None
    assert result.learned.roc_auc >= result.baseline.roc_auc - 0.01


def test_cross_validated_within_beta_is_calibrated() -> None:
    result = cross_validate(examples("beta"), load_policy(), default_policy_text(), 5)
    assert result.learned.roc_auc is not None and result.learned.roc_auc > 0.6
    assert result.learned.brier is not None and result.learned.brier < 0.085
    for item in result.learned.reliability:
        if item.rows >= 500:  # the bins that hold most requests
            assert abs(item.predicted - item.observed) < 0.02
