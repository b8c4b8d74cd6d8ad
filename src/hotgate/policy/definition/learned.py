"""The policy's `learned:` section: weights fitted to a team's history, as polars expressions.

A learned model is a logistic regression written out feature by feature. A feature is either a
condition in the policy's language (1 when it holds, else 0) or a numeric column, transformed
(log1p for counts, a signed log1p for distances that may be negative, logit for a
criterion's probability), or a step (`at_least`: 1 from that value up), then centred and scaled
by its training mean and spread, so its weight is log-odds per standard deviation; a missing
value counts as the training mean. `qualifies` gives the probability that a bug qualifies (the
engine's `probability`); `risk` gives the chance that a fix shipped early is backed out or
regresses (the engine's `risk_of_hotfix`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
from pydantic import Field, model_validator

from hotgate.model import Risk, RiskFactor
from hotgate.policy.definition.condition import Node, to_polars
from hotgate.policy.definition.rules import Strict

if TYPE_CHECKING:
    from hotgate.policy.definition.schema import Policy

Transform = Literal["none", "log1p", "signed_log1p", "logit"]
_COLUMN = re.compile(r"^[A-Za-z_][\w.-]*$")
RISK_FORMULA = (
    "risk_of_hotfix = chance that the fix, shipped now, is backed out or regresses "
    "= 1 / (1 + exp(-(intercept + Σ weight × factor)))"
)


class LearnedFeature(Strict):
    """One weighed feature: a condition (`when`) or a numeric column (`field`), never both."""

    name: str
    when: str | None = Field(default=None, description="A condition; counts 1 when it holds.")
    field: str | None = Field(default=None, description="A numeric column of the frame.")
    at_least: float | None = Field(
        default=None, description="With `field`: counts 1 when the value is at least this."
    )
    transform: Transform = "none"
    center: float = Field(
        default=0.0,
        description="Training mean of the transformed value (of a step: the share at or above).",
    )
    scale: float = Field(default=1.0, gt=0, description="Training spread of the transformed value.")
    weight: float = Field(description="Log-odds per unit (a condition) or per scale (a field).")

    @model_validator(mode="after")
    def _one_kind(self) -> LearnedFeature:
        if (self.when is None) == (self.field is None):
            raise ValueError(f"feature {self.name!r}: give either `when` or `field`")
        if self.field is not None and not _COLUMN.match(self.field):
            raise ValueError(f"feature {self.name!r}: {self.field!r} is not a column name")
        return self


class Figures(Strict):
    """How well a learned model did on rows it was not fitted to (cross-validation)."""

    folds: int = Field(ge=2)
    roc_auc: float | None
    balanced_accuracy: float | None
    recall: dict[str, float | None]
    brier: float | None


class LearnedFrom(Strict):
    """What a model was learned from: the file or store, its rows per class, and when."""

    source: str
    mapping: str | None = None
    rows: dict[str, int]
    learned_on: date


class Calibration(Strict):
    """Platt scaling folded into the weights: each weight × slope, intercept × slope + offset.

    Fitted on out-of-fold predictions of the training rows, so that among cases given
    probability p about a share p went that way. A record of what was done; the weights and
    intercept written beside it already include it.
    """

    method: Literal["platt"] = "platt"
    slope: float = Field(gt=0, description="What every fitted weight was multiplied by.")
    offset: float = Field(description="Added to the intercept after multiplying it by the slope.")


class LearnedModel(Strict):
    """A logistic regression over named features, with its provenance and its figures."""

    predicts: str
    intercept: float
    features: list[LearnedFeature]
    learned_from: LearnedFrom
    cross_validated: Figures | None = None
    calibration: Calibration | None = None


class Learned(Strict):
    """The learned section: the probability that a bug qualifies, and the risk of the hotfix."""

    qualifies: LearnedModel
    risk: LearnedModel | None = None


def condition_places(learned: Learned | None) -> dict[str, str]:
    """Each learned condition's text, keyed by its place in the file (parsed at load)."""
    if learned is None:
        return {}
    places: dict[str, str] = {}
    for part in ("qualifies", "risk"):
        model: LearnedModel | None = getattr(learned, part)
        for i, feature in enumerate(model.features if model else []):
            if feature.when is not None:
                places[f"learned.{part}.features[{i}].when"] = feature.when
    return places


def fields_used(learned: Learned | None) -> list[str]:
    """The numeric columns the learned models read, in order, without repeats."""
    if learned is None:
        return []
    models = [m for m in (learned.qualifies, learned.risk) if m is not None]
    return list(dict.fromkeys(f.field for m in models for f in m.features if f.field))


def feature_value(feature: LearnedFeature, condition: Node | None) -> pl.Expr:
    """A feature's value per row: 0/1 for a condition, the scaled transform for a field."""
    if condition is not None:
        return to_polars(condition).fill_null(False).cast(pl.Float64)
    raw = pl.col(str(feature.field)).cast(pl.Float64)
    if feature.at_least is not None:
        # A missing value counts as the share of training rows at or above the step.
        return (raw >= feature.at_least).cast(pl.Float64).fill_null(feature.center)
    if feature.transform == "log1p":
        raw = raw.clip(lower_bound=0).log1p()
    elif feature.transform == "signed_log1p":
        raw = raw.sign() * raw.abs().log1p()
    elif feature.transform == "logit":  # a probability as log-odds, kept within ±3.9
        raw = raw.clip(0.02, 0.98)
        raw = (raw / (1 - raw)).log()
    return ((raw - feature.center) / feature.scale).fill_null(0.0).fill_nan(0.0)


def _model_columns(
    policy: Policy, part: str, model: LearnedModel
) -> tuple[dict[str, pl.Expr], pl.Expr]:
    values: dict[str, pl.Expr] = {}
    terms: list[pl.Expr] = [pl.lit(model.intercept)]
    for i, feature in enumerate(model.features):
        place = f"learned.{part}.features[{i}]"
        node = policy.conditions.get(f"{place}.when")
        values[place] = feature_value(feature, node)
        terms.append(pl.col(place) * feature.weight)
    return values, pl.sum_horizontal(terms)


def learned_stages(policy: Policy) -> list[dict[str, pl.Expr]]:
    """Two stages after the criteria: each feature's value, then probability and risk.

    Empty when the policy has no learned section, so the criteria's product stands.
    """
    learned = policy.learned
    if learned is None:
        return []
    values, logit = _model_columns(policy, "qualifies", learned.qualifies)
    outputs = {"_learned_logit": logit, "probability": 1 / (1 + (-logit).exp())}
    reads_answers = any(
        (f.field or "").endswith("__probability") for f in learned.qualifies.features
    )
    if not reads_answers:
        # No learned feature reads the criteria, so no person's answer could change the
        # probability: nothing is worth asking, and no answer would flip the verdict.
        outputs.update(
            _flip_chance=pl.lit(0.0),
            _ask=pl.lit(0, dtype=pl.Int64),
            _flip=pl.lit(0, dtype=pl.Int64),
        )
    if learned.risk is not None:
        risk_values, risk_logit = _model_columns(policy, "risk", learned.risk)
        values.update(risk_values)
        outputs["risk_of_hotfix"] = (1 / (1 + (-risk_logit).exp())).round(3)
    return [values, outputs]


def with_learned_inputs(policy: Policy, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with an empty column for each learned field it lacks (counted as the mean)."""
    missing = [name for name in fields_used(policy.learned) if name not in frame.columns]
    if not missing:
        return frame
    return frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(name) for name in missing)


def explain_learned_risk(policy: Policy, row: Mapping[str, Any], risk: Risk) -> Risk:
    """The risk with the learned model's factors: each feature's value and its log-odds."""
    learned = policy.learned
    if learned is None or learned.risk is None:
        return risk
    model = learned.risk
    factors = [
        RiskFactor(
            name="intercept",
            value=round(model.intercept, 3),
            note=f"log-odds of trouble before any factor ({model.predicts})",
        )
    ]
    for i, feature in enumerate(model.features):
        value = float(row.get(f"learned.risk.features[{i}]") or 0.0)
        if value == 0.0:
            continue
        factors.append(
            RiskFactor(
                name=feature.name,
                value=round(value * feature.weight, 3),
                note=_factor_note(feature, value),
            )
        )
    return risk.model_copy(update={"risk_factors": factors, "risk_formula": RISK_FORMULA})


def _factor_note(feature: LearnedFeature, value: float) -> str:
    if feature.when is not None:
        return f"holds ({feature.when}); adds {feature.weight:+.2f} log-odds"
    if feature.at_least is not None:
        return (
            f"{feature.field} is at least {feature.at_least:g}; adds {feature.weight:+.2f} log-odds"
        )
    return (
        f"{feature.field} is {value:+.2f} standard deviations from the usual "
        f"({feature.transform}); {feature.weight:+.2f} log-odds per deviation"
    )


def _feature_words(feature: LearnedFeature) -> str:
    """What a feature says, in words: its condition, its step, or its number."""
    if feature.when is not None:
        return (
            feature.name
            if feature.name == feature.when
            else f"{feature.name} (when {feature.when})"
        )
    if feature.at_least is not None:
        return f"when {feature.field} is at least {feature.at_least:g}"
    return f"per standard deviation of {feature.field} ({feature.transform}) above usual"


def _odds(weight: float) -> str:
    factor = math.exp(abs(weight))
    direction = "multiplies" if weight >= 0 else "divides"
    return f"{direction} the odds by {factor:.2f}"


def describe_model(title: str, model: LearnedModel, threshold: float | None = None) -> list[str]:
    """One learned model in plain words, strongest features first."""
    source = model.learned_from
    rows = ", ".join(f"{count} {label}" for label, count in source.rows.items())
    lines = [
        f"{title}: {model.predicts}.",
        f"   Learned on {source.learned_on.isoformat()} from {source.source}"
        + (f" (mapping {source.mapping})" if source.mapping else "")
        + f": {rows}.",
        f"   Starting point: {1 / (1 + math.exp(-model.intercept)):.0%} "
        "for a case with no condition holding and every number at its usual value.",
    ]
    for feature in sorted(model.features, key=lambda f: -abs(f.weight)):
        lines.append(
            f"     {feature.weight:+6.2f}  {_feature_words(feature)}, {_odds(feature.weight)}"
        )
    figures = model.cross_validated
    if figures is not None:
        recall = ", ".join(
            f"{label} {'n/a' if value is None else f'{value:.0%}'}"
            for label, value in figures.recall.items()
        )
        auc = "n/a" if figures.roc_auc is None else f"{figures.roc_auc:.3f}"
        brier = "n/a" if figures.brier is None else f"{figures.brier:.3f}"
        balanced = (
            "n/a" if figures.balanced_accuracy is None else f"{figures.balanced_accuracy:.1%}"
        )
        lines.append(
            f"   Cross-validated ({figures.folds} folds): ROC AUC {auc}, balanced accuracy "
            f"{balanced}, recall {recall}, Brier score {brier}."
        )
    if model.calibration is not None:
        lines.append(
            f"   Calibrated ({model.calibration.method}, on out-of-fold predictions): every "
            f"weight × {model.calibration.slope:.3f}, intercept shifted by "
            f"{model.calibration.offset:+.3f} (already included above)."
        )
    if threshold is not None:
        lines.append(f"   It qualifies at a probability of {threshold:.0%} or more.")
    return lines


def describe_learned(policy: Policy) -> list[str]:
    """The learned section in plain words (empty when the policy has none)."""
    learned = policy.learned
    if learned is None:
        return []
    lines = describe_model(
        "The probability that a bug qualifies comes from weights learned from history, not "
        "from the product of the criteria",
        learned.qualifies,
        policy.decision.hotfix_at,
    )
    if learned.risk is not None:
        lines.extend(describe_model("The risk of the hotfix is learned too", learned.risk))
    return lines


def learned_reasons(policy: Policy, row: Mapping[str, Any], top: int = 3) -> list[str]:
    """The learned features that moved this subject's probability most, as one sentence."""
    learned = policy.learned
    if learned is None:
        return []
    moved = []
    for i, feature in enumerate(learned.qualifies.features):
        value = float(row.get(f"learned.qualifies.features[{i}]") or 0.0)
        if value:
            moved.append((value * feature.weight, feature))
    source = learned.qualifies.learned_from.source
    if not moved:
        return [f"Weights learned from {source}: no learned feature moved it from the usual."]
    moved.sort(key=lambda item: -abs(item[0]))
    words = ", ".join(f"{_feature_words(f)} ({push:+.2f})" for push, f in moved[:top])
    return [f"Weights learned from {source}; what moved it most (log-odds): {words}."]
