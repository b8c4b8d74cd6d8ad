"""The parts every section of a policy file is built from: strict models and named rules."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    """A policy model: unknown keys are errors, and a loaded policy never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
