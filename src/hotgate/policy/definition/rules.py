"""The parts every section of a policy file is built from: strict models and named rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hotgate.model import PERSON, Evidence, Signal
from hotgate.policy.definition.condition import Node, first_of, to_polars


class Strict(BaseModel):
    """A policy model: unknown keys are errors, and a loaded policy never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def first_error(exc: ValidationError) -> tuple[str, str]:
    """Where a pydantic error is (dotted, empty for the whole) and what it says, in words."""
    error = exc.errors()[0]
    place = ".".join(str(part) for part in error["loc"])
    return place, str(error["msg"]).removeprefix("Value error, ")


def yes_no(value: Any) -> Any:
    """YAML reads a bare yes or no as a boolean; a policy means the answer."""
    return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value


class Rule(Strict):
    """A named rule: when its condition holds, it answers the criterion."""

    name: str
    when: str
    answer: Literal["yes", "no"]
    because: str

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, value: Any) -> Any:
        return yes_no(value)


class Criterion(Strict):
    """One question of a decision, with the checklist a person would follow."""

    title: str
    questions: list[str] = Field(min_length=1)
    rules: list[Rule]


def person_evidence(crit: str, answer: str) -> Evidence:
    """The evidence when a person answered a criterion."""
    signal = Signal(name=crit, value=answer, source="answer", where="answers", excerpt=answer)
    return Evidence(rule=PERSON, because="A person answered it.", signals=[signal])


def _answer_pattern(crit: str) -> str:
    return f"(?:^|,){crit}=(yes|no)(?:,|$)"


def person_answer(crit: str) -> pl.Expr:
    """A person's answer to a criterion (yes or no), or null, from the answers column."""
    return pl.col("answers").str.extract(_answer_pattern(crit), 1)


def person_answer_of(crit: str, answers: str | None) -> str | None:
    """`person_answer` for one row's answers ("crit=yes,other=no"), in Python."""
    found = re.search(_answer_pattern(crit), answers or "")
    return found.group(1) if found else None


def rule_columns(
    criteria: Mapping[str, Criterion], conditions: Mapping[str, Node]
) -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """Each rule's condition as a column, then each criterion's answer and deciding rule.

    Two steps because polars plans a flat list of small expressions far faster than chains
    with whole conditions inside them, and one bug must decide in a few milliseconds.
    """
    holds: dict[str, pl.Expr] = {}
    answers: dict[str, pl.Expr] = {}
    for crit, spec in criteria.items():
        person = person_answer(crit)
        answered = person.is_not_null()
        answer = [(answered, person)]
        rule = [(answered, pl.lit(PERSON))]
        for i, item in enumerate(spec.rules):
            place = f"criteria.{crit}.rules[{i}].when"
            holds[place] = to_polars(conditions[place])
            answer.append((pl.col(place), pl.lit(item.answer)))
            rule.append((pl.col(place), pl.lit(item.name)))
        answers[f"{crit}__answer"] = first_of(answer, pl.lit("unknown"))
        answers[f"{crit}__rule"] = first_of(rule, pl.lit(None, dtype=pl.String))
    return holds, answers
