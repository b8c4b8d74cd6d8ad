"""Degrees of belief: each bug criterion as a probability built from weighed evidence.

A criterion starts from its prior and every rule whose condition holds adds its weight in
log-odds (positive towards yes). The learned text model adds its score times its weight. A
criterion's doubt caps the probability when its condition holds (someone close to the bug says
the answer is not known yet: however the other evidence adds up, a person is asked). A person's
answer wins outright. The answer (yes, no, unknown) is read off the probability by the
policy's thresholds, so scripts that read answers keep working.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

import polars as pl
from pydantic import Field

from hotgate.model import PERSON
from hotgate.policy.definition.condition import Node, first_of, holds, to_polars
from hotgate.policy.definition.rules import Strict, person_answer, person_answer_of

_Number = TypeVar("_Number", float, pl.Expr)  # a column, or one row's value


class WeighedRule(Strict):
    """A named piece of evidence: when its condition holds it adds its weight (log-odds)."""

    name: str
    when: str
    weight: float = Field(ge=-20, le=20, description="Log-odds added; positive is towards yes.")
    because: str


class TextModelWeight(Strict):
    """How much the learned text model's score (log-odds) counts, and its cap either way."""

    weight: float = Field(default=0.6, ge=0, le=5)
    cap: float = Field(default=3.0, gt=0, le=20, description="The score is clipped to ±cap.")


class Doubt(Strict):
    """When someone close to the bug says the answer is not known yet, the belief is capped."""

    name: str
    when: str
    at_most: float = Field(gt=0, lt=1, description="The probability of yes is at most this.")
    because: str


class BeliefCriterion(Strict):
    """One question of a bug decision, answered as a degree of belief."""

    title: str
    ask: str = Field(description="The one question put to a person when its answer matters.")
    questions: list[str] = Field(min_length=1)
    prior: float = Field(gt=0, lt=1, description="Probability of yes before any evidence.")
    rules: list[WeighedRule]
    text_model: TextModelWeight | None = None
    doubt: Doubt | None = None


class Thresholds(Strict):
    """How a probability becomes an answer and a verdict, and when a person is asked."""

    yes_at: float = Field(default=0.7, gt=0.5, lt=1, description="A criterion reads yes here.")
    no_at: float = Field(default=0.25, gt=0, lt=0.5, description="A criterion reads no here.")
    hotfix_at: float = Field(
        default=0.5, gt=0, lt=1, description="The bug qualifies at this probability or above."
    )
    ask_at: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="Ask only when the chance that answers make it qualify is at least this.",
    )


def logit(probability: float) -> float:
    """Log-odds of a probability strictly between 0 and 1."""
    return math.log(probability / (1 - probability))


def belief_columns(
    criteria: Mapping[str, BeliefCriterion], conditions: Mapping[str, Node], thresholds: Thresholds
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr], dict[str, pl.Expr], dict[str, pl.Expr]]:
    """Four steps of flat columns: rule conditions; each criterion's log-odds and person's
    answer; its probability; its answer and leading rule.

    Each step reads the columns of the steps before instead of repeating their expressions:
    polars plans a flat list of small expressions far faster than nested chains, and one bug
    must decide in a few milliseconds.
    """
    holds: dict[str, pl.Expr] = {}
    sums: dict[str, pl.Expr] = {}
    probabilities: dict[str, pl.Expr] = {}
    answers: dict[str, pl.Expr] = {}
    for crit, spec in criteria.items():
        terms: list[pl.Expr] = [pl.lit(logit(spec.prior))]
        for i, rule in enumerate(spec.rules):
            place = f"criteria.{crit}.rules[{i}].when"
            holds[place] = to_polars(conditions[place])
            terms.append(pl.when(pl.col(place)).then(pl.lit(rule.weight)).otherwise(0.0))
        if spec.text_model is not None:
            cap = spec.text_model.cap
            score = pl.col("text_score").clip(-cap, cap).fill_null(0.0)
            terms.append(score * spec.text_model.weight)
        sums[f"{crit}__logit"] = _added(terms)
        sums[f"{crit}__person"] = person_answer(crit)
        person = pl.col(f"{crit}__person")
        believed = 1 / (1 + (-pl.col(f"{crit}__logit")).exp())
        if spec.doubt is not None:
            place = f"criteria.{crit}.doubt.when"
            holds[place] = to_polars(conditions[place])
            capped = pl.min_horizontal(believed, pl.lit(spec.doubt.at_most))
            believed = pl.when(pl.col(place)).then(capped).otherwise(believed)
        probabilities[f"{crit}__probability"] = (
            pl.when(person == "yes").then(1.0).when(person == "no").then(0.0).otherwise(believed)
        )
        probability = pl.col(f"{crit}__probability")
        answers[f"{crit}__answer"] = (
            pl.when(person.is_not_null())
            .then(person)
            .when(probability >= thresholds.yes_at)
            .then(pl.lit("yes"))
            .when(probability <= thresholds.no_at)
            .then(pl.lit("no"))
            .otherwise(pl.lit("unknown"))
        )
        answers[f"{crit}__rule"] = _leading_rule(crit, spec, person, probability)
    return holds, sums, probabilities, answers


def belief_of_rows(
    criteria: Mapping[str, BeliefCriterion],
    conditions: Mapping[str, Node],
    thresholds: Thresholds,
    rows: Sequence[MutableMapping[str, Any]],
) -> None:
    """`belief_columns` for each row, in Python: adds the same four steps' values to the rows.

    The same floats as the columns: the log-odds are added in the same order (`_added`), and
    the probability is 1 / (1 + exp(-log-odds)) as polars computes it.
    """
    ordered = {crit: _by_weight(spec) for crit, spec in criteria.items()}
    for row in rows:
        for crit, spec in criteria.items():
            terms = [logit(spec.prior)]
            for i, rule in enumerate(spec.rules):
                place = f"criteria.{crit}.rules[{i}].when"
                row[place] = holds(conditions[place], row)
                terms.append(rule.weight if row[place] else 0.0)
            if spec.text_model is not None:
                cap, score = spec.text_model.cap, row.get("text_score")
                clipped = 0.0 if score is None else min(max(score, -cap), cap)
                terms.append(clipped * spec.text_model.weight)
            total = _added(terms)
            doubt, doubted = spec.doubt, False
            if doubt is not None:
                place = f"criteria.{crit}.doubt.when"
                doubted = row[place] = holds(conditions[place], row)
            person = person_answer_of(crit, row.get("answers"))
            leading: str | None
            if person is not None:
                probability, answer, leading = float(person == "yes"), person, PERSON
            else:
                probability = 1 / (1 + _exp(-total))
                if doubted and doubt is not None:
                    probability = min(probability, doubt.at_most)
                if probability >= thresholds.yes_at:
                    answer = "yes"
                else:
                    answer = "no" if probability <= thresholds.no_at else "unknown"
                towards_yes, towards_no = ordered[crit]
                leading = next(
                    (
                        rule.name
                        for i, rule in (towards_yes if probability >= 0.5 else towards_no)
                        if row[f"criteria.{crit}.rules[{i}].when"]
                    ),
                    None,
                )
            row[f"{crit}__logit"], row[f"{crit}__person"] = total, person
            row[f"{crit}__probability"], row[f"{crit}__answer"] = probability, answer
            row[f"{crit}__rule"] = leading


def _exp(value: float) -> float:
    """exp as polars gives it: infinity where Python's would overflow."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _by_weight(spec: BeliefCriterion) -> tuple[list[tuple[int, WeighedRule]], ...]:
    """The rules towards yes (heaviest first) and towards no (heaviest first), indexed."""
    indexed = list(enumerate(spec.rules))
    towards_yes = sorted((r for r in indexed if r[1].weight > 0), key=lambda r: -r[1].weight)
    towards_no = sorted((r for r in indexed if r[1].weight < 0), key=lambda r: r[1].weight)
    return towards_yes, towards_no


def _leading_rule(
    crit: str, spec: BeliefCriterion, person: pl.Expr, probability: pl.Expr
) -> pl.Expr:
    """The held rule that weighed most towards the answer (PERSON for a person's answer)."""
    towards_yes, towards_no = _by_weight(spec)
    branches = [(person.is_not_null(), pl.lit(PERSON))]
    for direction, ordered in ((probability >= 0.5, towards_yes), (probability < 0.5, towards_no)):
        branches.extend(
            (direction & pl.col(f"criteria.{crit}.rules[{i}].when"), pl.lit(rule.name))
            for i, rule in ordered
        )
    return first_of(branches, pl.lit(None, dtype=pl.String))


def qualify_columns(
    criteria: list[str], thresholds: Thresholds
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The probability that a bug qualifies, and which answers could make it qualify.

    The criteria are taken as independent, so the bug qualifies with the product of their
    probabilities. For every set of criteria a person could still answer, yes to all of them
    leaves the product of the others: the set could make the bug qualify when that reaches
    hotfix_at, with the chance that all its answers are yes. `_flip_chance` is the best such
    chance. Sets are bitmasks (bit i for criteria[i]). `_flip` is the smallest set that could
    make it qualify (the likeliest of that size): what would change the verdict. `_ask` is the
    set to ask about: among the sets whose chance reaches ask_at, the smallest, then the one
    whose criteria are least certain (probabilities nearest one half): their answers tell most.

    Two steps of columns: each set's chance and doubt (`_chance_<mask>`, `_doubt_<mask>`),
    then the results, which read those columns instead of repeating their expressions.
    """
    probs = [pl.col(f"{c}__probability") for c in criteria]
    askable = [pl.col(f"{c}__person").is_null() for c in criteria]
    subsets = sorted(range(1, 2 ** len(criteria)), key=lambda m: (bin(m).count("1"), m))
    sets: dict[str, pl.Expr] = {}
    for mask in subsets:
        inside = [i for i in range(len(criteria)) if mask >> i & 1]
        outside = [i for i in range(len(criteria)) if not mask >> i & 1]
        left = _product([probs[i] for i in outside])
        allowed = pl.all_horizontal([askable[i] for i in inside])
        chance = pl.when(allowed & (left >= thresholds.hotfix_at))
        sets[f"_chance_{mask}"] = chance.then(_product([probs[i] for i in inside]))
        sets[f"_doubt_{mask}"] = _added([(probs[i] - 0.5).abs() for i in inside])
    ask: list[tuple[pl.Expr, pl.Expr]] = []
    flip: list[tuple[pl.Expr, pl.Expr]] = []
    for size in range(1, len(criteria) + 1):
        masks = [m for m in subsets if bin(m).count("1") == size]
        least = pl.min_horizontal(
            [pl.when(_chance(m) >= thresholds.ask_at).then(_doubt(m)) for m in masks]
        )
        best = pl.max_horizontal([_chance(m) for m in masks])
        for mask in masks:
            worth = (_chance(mask) >= thresholds.ask_at) & (_doubt(mask) == least)
            ask.append((worth, pl.lit(mask)))
            flip.append((_chance(mask).is_not_null() & (_chance(mask) == best), pl.lit(mask)))
    return sets, {
        "probability": _product(probs),
        "_flip_chance": pl.max_horizontal([_chance(m) for m in subsets]).fill_null(0.0),
        "_ask": first_of(ask, pl.lit(0)).cast(pl.Int64),
        "_flip": first_of(flip, pl.lit(0)).cast(pl.Int64),
    }


def qualify_of_row(
    criteria: list[str], thresholds: Thresholds, row: MutableMapping[str, Any]
) -> None:
    """`qualify_columns` for one row, in Python: adds the same columns' values to the row."""
    probs = [float(row[f"{c}__probability"]) for c in criteria]
    askable = [row[f"{c}__person"] is None for c in criteria]
    subsets = sorted(range(1, 2 ** len(criteria)), key=lambda m: (bin(m).count("1"), m))
    chance: dict[int, float | None] = {}
    doubt: dict[int, float] = {}
    for mask in subsets:
        inside = [i for i in range(len(criteria)) if mask >> i & 1]
        outside = [i for i in range(len(criteria)) if not mask >> i & 1]
        allowed = all(askable[i] for i in inside)
        ok = allowed and _product_of([probs[i] for i in outside]) >= thresholds.hotfix_at
        chance[mask] = _product_of([probs[i] for i in inside]) if ok else None
        doubt[mask] = _added([abs(probs[i] - 0.5) for i in inside])
        row[f"_chance_{mask}"], row[f"_doubt_{mask}"] = chance[mask], doubt[mask]
    ask = flip = None
    for size in range(1, len(criteria) + 1):
        masks = [m for m in subsets if bin(m).count("1") == size]
        worth = [m for m in masks if (c := chance[m]) is not None and c >= thresholds.ask_at]
        least = min((doubt[m] for m in worth), default=None)
        best = max((c for m in masks if (c := chance[m]) is not None), default=None)
        if ask is None:
            ask = next((m for m in worth if doubt[m] == least), None)
        if flip is None:
            flip = next((m for m in masks if chance[m] is not None and chance[m] == best), None)
    known = [c for c in chance.values() if c is not None]
    row["probability"] = _product_of(probs)
    row["_flip_chance"] = max(known) if known else 0.0
    row["_ask"], row["_flip"] = ask or 0, flip or 0


def _chance(mask: int) -> pl.Expr:
    return pl.col(f"_chance_{mask}")


def _doubt(mask: int) -> pl.Expr:
    return pl.col(f"_doubt_{mask}")


def _added(terms: Sequence[_Number]) -> _Number:
    """The terms (at least one) added left to right, as columns or as one row's floats: the
    same order either way, so the same float (pl.sum_horizontal's order is its own)."""
    return functools.reduce(operator.add, terms)


def _product(columns: list[pl.Expr]) -> pl.Expr:
    """The columns multiplied left to right from 1.0 (`_product_of` for one row's floats)."""
    return functools.reduce(operator.mul, columns, pl.lit(1.0))


def _product_of(values: list[float]) -> float:
    """`_product` for one row's values: the same order, so the same float."""
    return functools.reduce(operator.mul, values, 1.0)


def doubt_taken(
    spec: BeliefCriterion, crit: str, row: Mapping[str, Any]
) -> tuple[Doubt, float] | None:
    """The criterion's doubt and the log-odds it took off one evaluated row (negative), or None
    when it has none, its condition does not hold or the cap does not bind."""
    doubt = spec.doubt
    if doubt is None or not row.get(f"criteria.{crit}.doubt.when"):
        return None
    total = float(row[f"{crit}__logit"])
    if total <= logit(doubt.at_most):
        return None
    return doubt, round(logit(doubt.at_most) - total, 2)
