"""Degrees of belief: the probability that a bug qualifies, and which answers could change it."""

from __future__ import annotations

import math

import polars as pl
import pytest

from hotgate.policy.definition.belief import Thresholds, logit, qualify_columns

CRITERIA = ["significant", "broad_reach", "no_workaround"]
BAR = Thresholds(yes_at=0.7, no_at=0.15, hotfix_at=0.5, ask_at=0.3)


def _qualify(probabilities: list[float], people: list[str | None]) -> dict[str, object]:
    frame = pl.DataFrame(
        {
            **{f"{c}__probability": [p] for c, p in zip(CRITERIA, probabilities, strict=True)},
            **{f"{c}__person": [a] for c, a in zip(CRITERIA, people, strict=True)},
        },
        schema={
            **{f"{c}__probability": pl.Float64 for c in CRITERIA},
            **{f"{c}__person": pl.String for c in CRITERIA},
        },
    )
    sets, results = qualify_columns(CRITERIA, BAR)
    return frame.with_columns(**sets).select(**results).row(0, named=True)


def _names(mask: int) -> set[str]:
    return {c for i, c in enumerate(CRITERIA) if mask >> i & 1}


@pytest.mark.parametrize(
    ("probabilities", "people", "ask", "flip"),
    [
        # Strongly significant, reach unknown, no workaround likely: reach alone decides.
        ([0.95, 0.4, 0.8], [None, None, None], {"broad_reach"}, {"broad_reach"}),
        # Reach so unlikely that asking is not worth it; still, yes to it would change it.
        ([0.95, 0.2, 0.8], [None, None, None], set(), {"broad_reach"}),
        # Two unknowns: neither alone lifts it over the bar, both together are worth asking.
        ([0.8, 0.6, 0.6], [None, None, None], {"broad_reach", "no_workaround"}, None),
        # A person said no to reach: it can only be flipped by the others, which cannot.
        ([0.95, 0.0, 0.8], [None, "no", None], set(), set()),
        # Already qualifies: the sets still say which single answer is the likeliest yes.
        ([0.95, 0.8, 0.8], [None, None, None], {"broad_reach"}, {"significant"}),
    ],
)
def test_which_answers_could_make_it_qualify(
    probabilities: list[float],
    people: list[str | None],
    ask: set[str],
    flip: set[str] | None,
) -> None:
    got = _qualify(probabilities, people)
    assert got["probability"] == pytest.approx(math.prod(probabilities))
    assert _names(int(str(got["_ask"]))) == ask
    if flip is not None:
        assert _names(int(str(got["_flip"]))) == flip


def test_the_smallest_set_wins_and_then_the_least_certain() -> None:
    # Both single criteria could lift it; reach (0.55) is nearer one half than the workaround.
    got = _qualify([0.99, 0.55, 0.9], [None, None, None])
    assert _names(int(str(got["_ask"]))) == {"broad_reach"}
    assert got["_flip_chance"] == pytest.approx(0.9)


def test_logit_is_the_inverse_of_the_logistic() -> None:
    for p in (0.05, 0.2, 0.5, 0.9):
        assert 1 / (1 + math.exp(-logit(p))) == pytest.approx(p)


@pytest.mark.parametrize("bad", [{"yes_at": 0.4}, {"no_at": 0.6}, {"hotfix_at": 0}])
def test_thresholds_keep_yes_above_half_and_no_below(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Thresholds(**bad)
