"""Fitting a learned model: named candidate features, a logistic regression, its written weights."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from hotgate.policy.definition.condition import parse
from hotgate.policy.definition.learned import (
    Calibration,
    Figures,
    LearnedFeature,
    LearnedFrom,
    LearnedModel,
    Transform,
)
from hotgate.policy.definition.learned import feature_value as value_of
from hotgate.policy.definition.schema import ISSUE_CRITERIA, Policy

# The engine's numeric columns a learned model may read (besides the mapping's own).
NUMERIC_COLUMNS = (
    "fix_lines",
    "fix_files",
    "fix_has_tests",
    "comment_count",
    "duplicates",
    "votes",
    "reactions",
    "watchers",
    "affected_share",
    "days_until_release",
)
RISK_COLUMNS = ("fix_lines", "fix_files", "fix_has_tests", "days_until_release")
MIN_SUPPORT = 10  # a condition must hold, and fail, on at least this many rows
MIN_COMPONENT = 30  # rows a component needs to get its own weight
MAX_COMPONENTS = 30
STEPS = (0.2, 0.4, 0.6, 0.8)  # quantiles where a number gets a step of its own
REGULARISATION = 0.3  # inverse strength of the L2 penalty (sklearn's C) on scaled features


def _quoted(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'


def candidates(
    frame: pl.DataFrame,
    policy: Policy,
    numeric: list[str],
    with_signals: bool = True,
) -> list[LearnedFeature]:
    """The features worth a weight in this frame: signals, components, numbers; weights 0.

    Conditions hold on at least MIN_SUPPORT rows and fail on as many; a component needs
    MIN_COMPONENT rows; a number needs a spread. Numbers are log1p'd when never negative.
    """
    found: list[LearnedFeature] = []
    rows = frame.height
    if with_signals:
        for name, kind in policy.names.items():
            if kind != "bool" or name not in frame.columns:
                continue
            held = int(frame[name].fill_null(False).cast(pl.Int64).sum())
            if min(held, rows - held) >= MIN_SUPPORT:
                found.append(LearnedFeature(name=name, when=name, weight=0.0))
    if "component" in frame.columns:
        counts = (
            frame.filter(pl.col("component").is_not_null())
            .group_by("component")
            .len()
            .filter(pl.col("len") >= MIN_COMPONENT)
            .sort(["len", "component"], descending=[True, False])
            .head(MAX_COMPONENTS)
        )
        for (component,) in counts.select("component").iter_rows():
            if rows - counts.filter(pl.col("component") == component)["len"][0] < MIN_SUPPORT:
                continue
            found.append(
                LearnedFeature(
                    name=f"component {component}",
                    when=f"component == {_quoted(component)}",
                    weight=0.0,
                )
            )
    for column in numeric:
        if column not in frame.columns:
            continue
        feature = _numeric(frame, column)
        if feature is not None:
            found.append(feature)
            if feature.transform in {"log1p", "signed_log1p"}:
                found.extend(_steps(frame, column))
    return found


def _steps(frame: pl.DataFrame, column: str) -> list[LearnedFeature]:
    """Steps at the quintiles of a number: a weight for each range lets the effect bend."""
    values = frame[column].cast(pl.Float64).drop_nulls().drop_nans().to_numpy()
    steps: list[LearnedFeature] = []
    for cut in np.unique(np.round(np.quantile(values, STEPS), 3)):
        above = int((values >= cut).sum())
        if min(above, values.size - above) >= MIN_SUPPORT:
            name = f"{column} at least {float(cut):g}"
            share = round(above / values.size, 4)
            steps.append(
                LearnedFeature(
                    name=name, field=column, at_least=float(cut), center=share, weight=0.0
                )
            )
    return steps


def _numeric(frame: pl.DataFrame, column: str) -> LearnedFeature | None:
    raw = frame[column].cast(pl.Float64).drop_nulls().drop_nans()
    if raw.len() < MIN_SUPPORT:
        return None
    transform: Transform
    if column.endswith("__probability"):
        transform = "logit"
    elif frame[column].dtype == pl.Boolean or set(raw.unique().to_list()) <= {0.0, 1.0}:
        transform = "none"
    elif float(raw.to_numpy().min()) >= 0:
        transform = "log1p"
    else:
        transform = "signed_log1p"
    probe = LearnedFeature(name=column, field=column, transform=transform, weight=0.0)
    values = pl.DataFrame({column: raw}).select(value_of(probe, None)).to_series().to_numpy()
    spread = float(np.std(values, ddof=1))
    if not spread > 1e-9:
        return None
    return probe.model_copy(update={"center": float(np.mean(values)), "scale": spread})


def criteria_columns(policy: Policy) -> list[str]:
    """Each bug criterion's probability column, read as log-odds by a learned model."""
    return [f"{name}__probability" for name in ISSUE_CRITERIA if name in policy.criteria]


def design(frame: pl.DataFrame, features: list[LearnedFeature], policy: Policy) -> np.ndarray:
    """The rows × features matrix exactly as the engine computes it from the learned section."""
    if not features:
        return np.zeros((frame.height, 0))
    columns = [
        value_of(f, parse(f.when, policy.names) if f.when else None).alias(f"x{i}")
        for i, f in enumerate(features)
    ]
    return frame.select(columns).to_numpy().astype(np.float64)


def fit(
    frame: pl.DataFrame,
    target: np.ndarray,
    features: list[LearnedFeature],
    policy: Policy,
    *,
    predicts: str,
    learned_from: LearnedFrom,
    figures: Figures | None = None,
) -> LearnedModel:
    """A logistic regression on the features; its weights written back into them (rounded)."""
    matrix = design(frame, features, policy)
    model = LogisticRegression(C=REGULARISATION, max_iter=2000)
    model.fit(matrix, target)
    weights = [float(w) for w in model.coef_[0]]
    kept = [
        f.model_copy(
            update={"weight": round(w, 4), "center": _short(f.center), "scale": _short(f.scale)}
        )
        for f, w in zip(features, weights, strict=True)
        if abs(w) >= 1e-4
    ]
    return LearnedModel(
        predicts=predicts,
        intercept=round(float(model.intercept_[0]), 4),
        features=kept,
        learned_from=learned_from,
        cross_validated=figures,
    )


def _short(value: float) -> float:
    """Six significant digits: enough to reproduce the fit, short enough to read."""
    return float(f"{value:.6g}")


def predict(model: LearnedModel, frame: pl.DataFrame, policy: Policy) -> np.ndarray:
    """The model's probability for each row (the same expressions as the engine's)."""
    matrix = design(frame, model.features, policy)
    weights = np.array([f.weight for f in model.features])
    logit = model.intercept + (matrix @ weights if len(weights) else 0.0)
    return np.asarray(1 / (1 + np.exp(-logit)), dtype=np.float64)


def platt(probability: np.ndarray, target: np.ndarray) -> Calibration | None:
    """Platt scaling of out-of-fold probabilities: target ≈ σ(slope × logit(p) + offset).

    `probability` and `target` (1/0) are one per row. Probabilities are clipped to
    [1e-6, 1 − 1e-6] before the logit; the fit is an unpenalised logistic regression on that one
    column. None when both outcomes are not present or the slope is not positive (the
    predictions rank the rows no better than chance, so there is nothing to rescale).
    """
    if target.size == 0 or target.min() == target.max():
        return None
    clipped = np.clip(probability, 1e-6, 1 - 1e-6)
    logit = np.log(clipped / (1 - clipped)).reshape(-1, 1)
    model = LogisticRegression(C=1e6, max_iter=1000).fit(logit, target)
    slope = float(model.coef_[0][0])
    if not slope > 1e-3:
        return None
    return Calibration(slope=_short(slope), offset=_short(float(model.intercept_[0])))


def calibrate(model: LearnedModel, calibration: Calibration | None) -> LearnedModel:
    """The model with Platt scaling folded in: weights × slope, intercept × slope + offset."""
    if calibration is None:
        return model
    features = [
        f.model_copy(update={"weight": round(f.weight * calibration.slope, 4)})
        for f in model.features
    ]
    intercept = round(model.intercept * calibration.slope + calibration.offset, 4)
    return model.model_copy(
        update={"features": features, "intercept": intercept, "calibration": calibration}
    )


def rescaled(probability: np.ndarray, calibration: Calibration | None) -> np.ndarray:
    """Probabilities passed through the calibration (unchanged when there is none)."""
    if calibration is None:
        return probability
    clipped = np.clip(probability, 1e-6, 1 - 1e-6)
    logit = calibration.slope * np.log(clipped / (1 - clipped)) + calibration.offset
    return np.asarray(1 / (1 + np.exp(-logit)), dtype=np.float64)


def provenance(source: str, mapping: str | None, counts: dict[str, int]) -> LearnedFrom:
    """What a model is learned from, dated today."""
    return LearnedFrom(source=source, mapping=mapping, rows=counts, learned_on=date.today())
