"""How well predicted probabilities match outcomes: ROC AUC, balanced accuracy, recall, Brier."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from hotgate.history.backtest import ACCEPTED, REJECTED

# Bins of the reliability table: most requests are accepted, so the top is cut finer.
BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0)


@dataclass(frozen=True)
class Reliability:
    """One bin of predictions: its range, rows, mean predicted and share actually accepted."""

    low: float
    high: float
    rows: int
    predicted: float
    observed: float


@dataclass(frozen=True)
class Metrics:
    """Figures of probabilities against outcomes (1 accepted, 0 rejected) at a threshold."""

    rows: int
    roc_auc: float | None
    balanced_accuracy: float | None
    recall: dict[str, float | None]
    brier: float | None
    threshold: float
    reliability: list[Reliability]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def best_threshold(probability: np.ndarray, actual: np.ndarray) -> float:
    """The probability cut that maximises balanced accuracy on these rows (0.5 if one class)."""
    if actual.min() == actual.max():
        return 0.5
    cuts = np.unique(np.round(probability, 3))
    best, best_score = 0.5, -1.0
    for cut in cuts:
        score = _balanced(probability >= cut, actual)
        if score > best_score:
            best, best_score = float(cut), score
    return float(min(max(best, 0.01), 0.99))


def _balanced(predicted: np.ndarray, actual: np.ndarray) -> float:
    hit_accepted = float(predicted[actual == 1].mean())
    hit_rejected = float((~predicted[actual == 0]).mean())
    return (hit_accepted + hit_rejected) / 2


def metrics(probability: np.ndarray, actual: np.ndarray, threshold: float | np.ndarray) -> Metrics:
    """ROC AUC, balanced accuracy and recall at the threshold (one, or one per row), Brier, bins."""
    both = bool(actual.min() != actual.max()) if actual.size else False
    predicted = probability >= threshold
    recall: dict[str, float | None] = {
        ACCEPTED: float(predicted[actual == 1].mean()) if (actual == 1).any() else None,
        REJECTED: float((~predicted[actual == 0]).mean()) if (actual == 0).any() else None,
    }
    return Metrics(
        rows=int(actual.size),
        roc_auc=float(roc_auc_score(actual, probability)) if both else None,
        balanced_accuracy=_balanced(predicted, actual) if both else None,
        recall=recall,
        brier=float(brier_score_loss(actual, probability)) if actual.size else None,
        threshold=round(float(np.mean(threshold)), 4),
        reliability=reliability(probability, actual),
    )


def reliability(probability: np.ndarray, actual: np.ndarray) -> list[Reliability]:
    """Per bin of predicted probability: rows, mean predicted, share accepted (no empty bins)."""
    table: list[Reliability] = []
    for low, high in itertools.pairwise(BINS):
        inside = (probability >= low) & (
            (probability < high) if high < 1.0 else (probability <= high)
        )
        if inside.any():
            table.append(
                Reliability(
                    low=low,
                    high=high,
                    rows=int(inside.sum()),
                    predicted=round(float(probability[inside].mean()), 4),
                    observed=round(float(actual[inside].mean()), 4),
                )
            )
    return table
