"""Backtests of a learned policy beside a plain classifier: cross-validation, or train and test.

The learned policy is fitted on the training rows and applied to the held-out rows through the
engine, exactly as `assess` would apply it; the baseline (HistGradientBoostingClassifier) sees
the same candidate columns and gets its threshold the same way, by balanced accuracy on
out-of-fold predictions of its training rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from hotgate.history.examples import Examples, refuse_too_little
from hotgate.history.fitting import NUMERIC_COLUMNS, candidates, criteria_columns, design
from hotgate.history.learn import learn
from hotgate.history.scoring import Metrics, best_threshold, metrics
from hotgate.policy.deciding.engine import Context, evaluate
from hotgate.policy.definition.schema import Policy, parse_policy

INNER_FOLDS = 3


@dataclass(frozen=True)
class Comparison:
    """The learned policy's figures and the baseline's, on the same held-out rows."""

    setup: str
    learned: Metrics
    baseline: Metrics

    def as_dict(self) -> dict[str, Any]:
        """One JSON object: the learned policy's keys, `baseline` with the same keys, `rows`."""
        return {"setup": self.setup, **self.learned.as_dict(), "baseline": self.baseline.as_dict()}


def _learned_probabilities(
    train: Examples, test: Examples, policy: Policy, base_text: str
) -> tuple[np.ndarray, float]:
    learned = learn(train, policy, base_text, INNER_FOLDS)
    applied = parse_policy(learned.text, "the learned policy")
    # Each row carries its own distance to the release, so the day only fills what is missing.
    decided = evaluate(applied, test.frame, Context(as_of=date.today()))
    return decided["probability"].to_numpy().astype(np.float64), learned.hotfix_at


def _baseline_probabilities(
    train: Examples, test: Examples, policy: Policy
) -> tuple[np.ndarray, float]:
    numeric = [*NUMERIC_COLUMNS, *train.extra]
    if train.with_criteria:
        numeric.extend(criteria_columns(policy))
    features = candidates(train.frame, policy, numeric)
    x_train, x_test = design(train.frame, features, policy), design(test.frame, features, policy)
    target = train.labels()
    model = HistGradientBoostingClassifier(random_state=0)
    inner = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=0)
    oof = cross_val_predict(model, x_train, target, cv=inner, method="predict_proba")[:, 1]
    model.fit(x_train, target)
    return model.predict_proba(x_test)[:, 1], best_threshold(oof, target)


def train_test(train: Examples, test: Examples, policy: Policy, base_text: str) -> Comparison:
    """Learn on one history, test on another: the learned policy and the baseline."""
    refuse_too_little(train.counts())
    actual = test.labels()
    learned, bar = _learned_probabilities(train, test, policy, base_text)
    baseline, baseline_bar = _baseline_probabilities(train, test, policy)
    return Comparison(
        f"trained on {train.source}, tested on {test.source}",
        metrics(learned, actual, bar),
        metrics(baseline, actual, baseline_bar),
    )


def cross_validate(examples: Examples, policy: Policy, base_text: str, folds: int) -> Comparison:
    """K-fold cross-validation within one history, stratified and seeded; figures pooled."""
    refuse_too_little(examples.counts())
    actual = examples.labels()
    learned, baseline = np.zeros(actual.size), np.zeros(actual.size)
    bars, baseline_bars = np.zeros(actual.size), np.zeros(actual.size)
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train_rows, test_rows in split.split(np.zeros(actual.size), actual):
        train, test = examples.take(train_rows), examples.take(test_rows)
        learned[test_rows], bars[test_rows] = _learned_probabilities(train, test, policy, base_text)
        baseline[test_rows], baseline_bars[test_rows] = _baseline_probabilities(train, test, policy)
    return Comparison(
        f"{folds}-fold cross-validation within {examples.source}",
        metrics(learned, actual, bars),
        metrics(baseline, actual, baseline_bars),
    )
