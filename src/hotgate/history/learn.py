"""Learning a policy from examples: fitted weights, a fitted threshold, a learned risk, as YAML."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
import yaml
from sklearn.model_selection import StratifiedKFold

from hotgate.history.examples import MIN_PER_CLASS, MIN_ROWS, Examples, refuse_too_little
from hotgate.history.fitting import (
    NUMERIC_COLUMNS,
    RISK_COLUMNS,
    calibrate,
    candidates,
    criteria_columns,
    fit,
    platt,
    predict,
    provenance,
    rescaled,
)
from hotgate.history.scoring import best_threshold, metrics
from hotgate.policy.definition.learned import Figures, Learned, LearnedModel
from hotgate.policy.definition.schema import Policy, parse_policy

MARKER = "# --- learned by `hotgate learn`"
QUALIFIES = "the probability that a request is accepted (ships early), as the team decided"
TROUBLE = "the chance that a fix shipped early is backed out or regresses"
TROUBLED, CLEAN = "troubled", "clean"


@dataclass(frozen=True)
class LearnedPolicy:
    """A learned section, the fitted threshold and the whole policy file's text."""

    learned: Learned
    hotfix_at: float
    text: str


Fitter = Callable[[Examples, np.ndarray, Figures | None], LearnedModel]


def _folds(target: np.ndarray, wanted: int) -> int:
    return max(2, min(wanted, int(np.bincount(target, minlength=2).min())))


def out_of_fold(
    examples: Examples, target: np.ndarray, fitter: Fitter, folds: int, policy: Policy
) -> np.ndarray:
    """Each row's probability from a model fitted without its fold (stratified, seeded)."""
    result = np.zeros(target.size)
    split = StratifiedKFold(_folds(target, folds), shuffle=True, random_state=0)
    for train, test in split.split(np.zeros(target.size), target):
        model = fitter(examples.take(train), target[train], None)
        result[test] = predict(model, examples.frame[test], policy)
    return result


def _qualifies_fitter(policy: Policy) -> Fitter:
    def fitter(examples: Examples, target: np.ndarray, figures: Figures | None) -> LearnedModel:
        numeric = [*NUMERIC_COLUMNS, *examples.extra]
        if examples.with_criteria:
            numeric.extend(criteria_columns(policy))
        features = candidates(examples.frame, policy, numeric)
        origin = provenance(examples.source, examples.mapping, examples.counts())
        return fit(
            examples.frame,
            target,
            features,
            policy,
            predicts=QUALIFIES,
            learned_from=origin,
            figures=figures,
        )

    return fitter


def _risk_fitter(policy: Policy) -> Fitter:
    def fitter(examples: Examples, target: np.ndarray, figures: Figures | None) -> LearnedModel:
        numeric = [*RISK_COLUMNS, *examples.risk_extra]
        features = candidates(examples.frame, policy, numeric, with_signals=False)
        counts = {TROUBLED: int(target.sum()), CLEAN: int(target.size - target.sum())}
        origin = provenance(examples.source, examples.mapping, counts)
        return fit(
            examples.frame,
            target,
            features,
            policy,
            predicts=TROUBLE,
            learned_from=origin,
            figures=figures,
        )

    return fitter


def _figures(
    probability: np.ndarray,
    target: np.ndarray,
    threshold: float,
    folds: int,
    labels: tuple[str, str],
) -> Figures:
    scored = metrics(probability, target, threshold)
    recall = dict(zip(labels, scored.recall.values(), strict=True))
    return Figures(
        folds=folds,
        roc_auc=_round(scored.roc_auc),
        balanced_accuracy=_round(scored.balanced_accuracy),
        recall={k: _round(v) for k, v in recall.items()},
        brier=_round(scored.brier),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def learn_qualifies(
    examples: Examples, policy: Policy, folds: int = 5
) -> tuple[LearnedModel, float]:
    """The acceptance model fitted on every row, and the threshold fitted in cross-validation.

    The out-of-fold probabilities also fit a Platt scaling, folded into the model's weights so
    that its probabilities are calibrated; the threshold and the figures are those of the
    rescaled out-of-fold probabilities (the scaling's two numbers are fitted on the same rows).
    """
    refuse_too_little(examples.counts())
    target = examples.labels()
    fitter = _qualifies_fitter(policy)
    oof = out_of_fold(examples, target, fitter, folds, policy)
    calibration = platt(oof, target)
    oof = rescaled(oof, calibration)
    threshold = best_threshold(oof, target)
    figures = _figures(oof, target, threshold, _folds(target, folds), ("accepted", "rejected"))
    return calibrate(fitter(examples, target, figures), calibration), threshold


def learn_risk(examples: Examples, policy: Policy, folds: int = 5) -> LearnedModel | None:
    """The model of trouble among accepted fixes, or None when there are too few of either."""
    if "_trouble" not in examples.frame.columns:
        return None
    shipped = examples.frame.with_row_index("_row").filter(
        (pl.col("actual") == "accepted") & pl.col("_trouble").is_not_null()
    )
    target = shipped["_trouble"].cast(pl.Int64).to_numpy()
    troubled = int(target.sum())
    if target.size < MIN_ROWS or min(troubled, target.size - troubled) < MIN_PER_CLASS:
        return None
    subset = examples.take(shipped["_row"].to_numpy())
    fitter = _risk_fitter(policy)
    oof = out_of_fold(subset, target, fitter, folds, policy)
    threshold = best_threshold(oof, target)
    figures = _figures(oof, target, threshold, _folds(target, folds), (TROUBLED, CLEAN))
    return fitter(subset, target, figures)


def learn(examples: Examples, policy: Policy, base_text: str, folds: int = 5) -> LearnedPolicy:
    """Learn acceptance and risk from the examples; the base policy's text with both written in."""
    qualifies, threshold = learn_qualifies(examples, policy, folds)
    learned = Learned(qualifies=qualifies, risk=learn_risk(examples, policy, folds))
    text = policy_text(base_text, policy.name, learned, threshold)
    parse_policy(text, "the learned policy")  # it must load, or nothing is written
    return LearnedPolicy(learned=learned, hotfix_at=threshold, text=text)


def policy_text(base_text: str, name: str, learned: Learned, hotfix_at: float) -> str:
    """The base policy's text (comments kept) with its name, hotfix_at and learned section set."""
    text = base_text.split(MARKER, 1)[0].rstrip() + "\n"
    if not name.endswith("-learned"):
        text = re.sub(r"(?m)^name:.*$", f"name: {name}-learned", text, count=1)
    bar = f"hotfix_at: {hotfix_at:.3f}  # fitted by hotgate learn (best balanced accuracy)"
    if re.search(r"(?m)^  hotfix_at:", text):
        text = re.sub(r"(?m)^  hotfix_at:.*$", f"  {bar}", text, count=1)
    elif re.search(r"(?m)^decision:", text):
        text = re.sub(r"(?m)^decision:.*$", f"decision:\n  {bar}", text, count=1)
    else:
        text += f"\ndecision:\n  {bar}\n"
    body = yaml.safe_dump(
        {"learned": learned.model_dump(mode="json", exclude_defaults=True)},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return (
        f"{text}\n{MARKER}\n"
        "# Weights fitted to history (logistic regression). A condition adds its weight in\n"
        "# log-odds when it holds; a number adds weight × (transform(value) − center) / scale,\n"
        "# and counts as its center when missing. `qualifies` replaces the product of the\n"
        "# criteria as the probability that a bug qualifies; `risk` gives the risk of the hotfix.\n"
        "# Edit freely: `hotgate policy check` validates it, `hotgate policy show` reads it out.\n"
        f"{body}"
    )
