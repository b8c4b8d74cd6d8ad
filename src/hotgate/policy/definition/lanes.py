"""The policy's lanes: the content lane for change requests and the fix lane for pull requests."""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import Any, Literal

from pathspec import PathSpec
from pydantic import Field, field_validator, model_validator

from hotgate.model import CHANGE_KINDS, ChangeKind
from hotgate.policy.definition.condition import ConditionError, Kind, Node, parse
from hotgate.policy.definition.rules import Criterion, Strict, yes_no

CHANGE_CRITERIA = ("simple", "needed", "safe")
GLOB_STYLE = "gitignore"  # the globs of .gitignore files, which developers already know
# Facts read from a change request that a condition of the content lane may use.
CHANGE_FACTS: dict[str, Kind] = {
    "kinds_known": "bool",
    "simple_kinds_only": "bool",
    "other_kinds": "bool",
    "within_limits": "bool",
    "time_bound": "bool",
    "reason_given": "bool",
    "needed_by_known": "bool",
    "release_first": "bool",
    "protected_area": "bool",
    "custom_code": "bool",
    "template_named": "bool",
    "template_approved": "bool",
    "template_allows": "bool",
    "needs_template": "bool",
    "pages": "number",
    "files": "number",
    "days_until_release": "number",
    "days_until_needed": "number",
    **{f"{kind}_change": "bool" for kind in CHANGE_KINDS},
}


def check_pattern(pattern: str, place: str) -> None:
    """A regular expression that compiles, or an error naming its place."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{place}: not a valid pattern: {exc}") from None


def check_globs(globs: list[str], place: str) -> None:
    """Path globs that pathspec can read, or an error naming their place."""
    for i, glob in enumerate(globs):
        try:
            PathSpec.from_lines(GLOB_STYLE, [glob])
        except ValueError as exc:
            raise ValueError(f"{place}[{i}]: not a valid path glob: {exc}") from None


def spec_of(globs: list[str]) -> PathSpec[Any]:
    """A path matcher for git-style globs (built once for each list)."""
    return _spec(tuple(globs))


@cache
def _spec(globs: tuple[str, ...]) -> PathSpec[Any]:
    return PathSpec.from_lines(GLOB_STYLE, globs)


class Template(Strict):
    """A pre-approved template: what it is for, the change kinds it allows, its files."""

    title: str
    allows: list[ChangeKind] = Field(min_length=1)
    paths: list[str] = Field(default_factory=list)
    text: list[str] = Field(default_factory=list, description="How a request names it.")


class ProtectedArea(Strict):
    """A part of the site that never goes through the content lane."""

    text: list[str] = Field(min_length=1, description="How a request names the area.")
    paths: list[str] = Field(default_factory=list)


class FileKinds(Strict):
    """Which files are code and which are content, by path glob and by identify tag."""

    code: list[str] = Field(default_factory=list)
    code_tags: list[str] = Field(default_factory=list)
    content: list[str] = Field(default_factory=list)
    content_tags: list[str] = Field(default_factory=list)


class Limits(Strict):
    """How large a change the content lane takes."""

    pages: int = Field(default=3, ge=1)
    files: int = Field(default=10, ge=1)


class ChangeTiming(Strict):
    """When a qualifying change waits for the next release instead."""

    wait_when: str = "release_first"


class ChangeRisk(Strict):
    """Weights of the cost of waiting and the risk of a content hotfix."""

    need_weight: dict[Literal["yes", "no", "unknown"], float]
    protected_factor: float = Field(default=2.0, ge=1)
    code_factor: float = Field(default=1.5, ge=1)

    @field_validator("need_weight", mode="before")
    @classmethod
    def _answers(cls, value: Any) -> Any:
        return {yes_no(k): v for k, v in value.items()} if isinstance(value, dict) else value


class ChangeLane(Strict):
    """The content lane: how change requests are read and decided."""

    simple_kinds: list[ChangeKind]
    template_kinds: list[ChangeKind] = Field(default=["template"])
    kinds: dict[ChangeKind, list[str]]
    areas: dict[str, list[str]]
    protected_areas: dict[str, ProtectedArea]
    need: list[str]
    templates: dict[str, Template]
    files: FileKinds
    limits: Limits = Limits()
    criteria: dict[str, Criterion]
    timing: ChangeTiming = ChangeTiming()
    risk: ChangeRisk

    @model_validator(mode="after")
    def _check(self) -> ChangeLane:
        missing = [name for name in CHANGE_CRITERIA if name not in self.criteria]
        if missing:
            raise ValueError(f"criteria: missing {', '.join(missing)}")
        for kind, patterns in self.kinds.items():
            for i, pattern in enumerate(patterns):
                check_pattern(pattern, f"kinds.{kind}[{i}]")
        for area, patterns in self.areas.items():
            for i, pattern in enumerate(patterns):
                check_pattern(pattern, f"areas.{area}[{i}]")
        for area, spec in self.protected_areas.items():
            for i, pattern in enumerate(spec.text):
                check_pattern(pattern, f"protected_areas.{area}.text[{i}]")
            check_globs(spec.paths, f"protected_areas.{area}.paths")
        for i, pattern in enumerate(self.need):
            check_pattern(pattern, f"need[{i}]")
        for name, template in self.templates.items():
            check_globs(template.paths, f"templates.{name}.paths")
            for i, pattern in enumerate(template.text):
                check_pattern(pattern, f"templates.{name}.text[{i}]")
        check_globs(self.files.code, "files.code")
        check_globs(self.files.content, "files.content")
        self.conditions  # noqa: B018 -- parse every condition now, so errors surface at load
        return self

    @cached_property
    def conditions(self) -> dict[str, Node]:
        """Every condition of the lane, parsed, keyed by its place in the file."""
        parsed: dict[str, Node] = {}
        for name, criterion in self.criteria.items():
            for i, rule in enumerate(criterion.rules):
                place = f"criteria.{name}.rules[{i}].when"
                parsed[place] = _parse(rule.when, place)
        parsed["timing.wait_when"] = _parse(self.timing.wait_when, "timing.wait_when")
        return parsed

    @cached_property
    def protected_specs(self) -> dict[str, PathSpec[Any]]:
        """A path matcher for each protected area."""
        return {name: spec_of(area.paths) for name, area in self.protected_areas.items()}

    @cached_property
    def template_specs(self) -> dict[str, PathSpec[Any]]:
        """A path matcher for each template's files."""
        return {name: spec_of(template.paths) for name, template in self.templates.items()}


class FixLane(Strict):
    """The fix lane: how large a hotfix pull request may be, and what it must carry."""

    max_lines: int = Field(default=400, ge=1)
    max_files: int = Field(default=20, ge=1)
    generated: list[str] = Field(default_factory=list)
    vendored: list[str] = Field(default_factory=list)
    lock_files: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list, description="Globs let through even so.")
    tests: list[str] = Field(default_factory=list)
    require_tests: bool = True
    require_approval: bool = Field(
        default=False, description="--issue needs a hotfix decision a person approved."
    )

    @model_validator(mode="after")
    def _check(self) -> FixLane:
        for part in ("generated", "vendored", "lock_files", "allow", "tests"):
            check_globs(getattr(self, part), part)
        return self


def _parse(text: str, place: str) -> Node:
    try:
        return parse(text, CHANGE_FACTS)
    except ConditionError as exc:
        raise ValueError(f"{place}: {exc}") from None
