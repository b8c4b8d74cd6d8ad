"""Platt scaling of a learned model: recovered on known data, folded into the written weights."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from hotgate.history.fitting import calibrate, platt, predict, rescaled
from hotgate.policy.definition.learned import Calibration, LearnedFeature, LearnedFrom, LearnedModel
from hotgate.policy.definition.schema import load_policy

POLICY = load_policy()


def sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-values)))


def test_platt_recovers_a_known_slope_and_offset() -> None:
    # Predictions twice as confident as they should be, and shifted: the truth is σ(0.5 z + 0.3).
    rng = np.random.default_rng(3)
    z = rng.normal(1.5, 2.0, 40_000)
    target = (rng.random(z.size) < sigmoid(0.5 * z + 0.3)).astype(np.int64)
    found = platt(sigmoid(z), target)
    assert found is not None
    assert abs(found.slope - 0.5) < 0.03
    assert abs(found.offset - 0.3) < 0.05


def test_platt_gives_nothing_for_one_class_or_no_ranking() -> None:
    assert platt(np.array([0.2, 0.7, 0.9]), np.array([1, 1, 1])) is None
    # Higher probabilities go with rejection: a negative slope is not a calibration.
    assert platt(np.array([0.9, 0.8, 0.3, 0.2]), np.array([0, 0, 1, 1])) is None


def test_calibration_is_folded_into_the_weights() -> None:
    model = LearnedModel(
        predicts="accepted",
        intercept=1.0,
        features=[
            LearnedFeature(name="crash", when="crash", weight=2.0),
            LearnedFeature(name="votes", field="votes", center=1.0, scale=2.0, weight=-0.8),
        ],
        learned_from=LearnedFrom(
            source="test", rows={"accepted": 1, "rejected": 1}, learned_on=date(2026, 11, 30)
        ),
    )
    calibration = Calibration(slope=0.5, offset=0.25)
    folded = calibrate(model, calibration)
    assert [f.weight for f in folded.features] == [1.0, -0.4]
    assert folded.intercept == 0.75  # 1.0 × 0.5 + 0.25
    assert folded.calibration == calibration
    frame = pl.DataFrame({"crash": [True, False, True], "votes": [0.0, 3.0, 7.0]})
    before, after = predict(model, frame, POLICY), predict(folded, frame, POLICY)
    # The folded model's probability is the original's passed through the calibration.
    assert np.allclose(after, rescaled(before, calibration), atol=1e-9)
    assert calibrate(model, None) is model
