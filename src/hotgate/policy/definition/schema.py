"""The policy file's model, its loading and its validation."""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Callable
from datetime import date
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import polars as pl
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from hotgate.policy.definition.belief import BeliefCriterion, Thresholds
from hotgate.policy.definition.condition import ConditionError, Kind, Node, parse
from hotgate.policy.definition.lanes import ChangeLane, FixLane
from hotgate.policy.definition.learned import Learned, condition_places
from hotgate.policy.definition.patterns import compiled, for_polars
from hotgate.policy.definition.rules import Strict, first_error

NUMERIC_FIELDS = (
    "severity",
    "priority",
    "duplicates",
    "votes",
    "reactions",
    "watchers",
    "comments",
    "share",
    "workaround_steps",
    "fix_lines",
    "fix_files",
    "days_until_release",
)
TEXT_FIELDS = ("status", "resolution", "type", "component", "product", "source", "audience")
MATCHABLE_FIELDS = (*TEXT_FIELDS[:-1], "severity_raw", "priority_raw")
Audience = Literal["end-users", "developers", "operators"]
BUILTIN_SIGNALS = ("core_function",)
ISSUE_CRITERIA = ("significant", "broad_reach", "no_workaround")

# libyaml's loader where PyYAML was built with it: the same safe subset, read about 10× faster
# (the default policy in 0.05 s instead of 0.5 s, which every command pays).
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PolicyError(ValueError):
    """A policy that cannot be loaded; the message names the file and the place in it."""


class SignalSpec(Strict):
    """How one signal is read from labels, fields and text."""

    description: str
    text: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    fields: dict[str, list[str]] = Field(default_factory=dict)
    workaround_text: list[str] = Field(
        default_factory=list,
        description="Patterns looked for in the workaround: the 400 characters from the first "
        "workaround phrase (workaround_offered's text) on, that phrase included.",
    )
    logs: list[str] = Field(
        default_factory=list,
        description="Patterns looked for in quoted logs, stack traces and code blocks only.",
    )
    negatable: bool = True


class Override(Strict):
    """A condition that makes a subject a hotfix whatever the criteria say."""

    name: str
    when: str
    because: str


class Timing(Strict):
    """When a qualifying subject waits for the next release instead."""

    wait_within_days: int = Field(default=3, ge=0)
    default_days_to_release: int = Field(default=14, ge=1)
    min_cost_ratio: float | None = Field(default=None, ge=0)


class RiskSettings(Strict):
    """The weights of the cost of waiting and the risk of the hotfix."""

    severity_weight: dict[Literal["S1", "S2", "S3", "S4", "unknown"], float]
    regression_factor: float = Field(
        default=1.5,
        ge=1,
        description="Multiplies the cost of waiting for a regression from the release in use.",
    )
    default_fix_lines: int = Field(default=50, ge=0)
    lines_per_unit: int = Field(default=100, ge=1)
    critical_area_factor: float = Field(default=2.0, ge=1)
    untested_factor: float = Field(default=1.5, ge=1)
    unknown_tests_factor: float = Field(default=1.25, ge=1)
    history_factor: float = Field(
        default=0.5,
        ge=0,
        description="Added to the risk multiplier per past hotfix in the same component "
        "that was rolled back or followed by a regression.",
    )


class Cadence(Strict):
    """Releases at a fixed interval from a first date."""

    every_days: int = Field(ge=1)
    start: date
    name: str = Field(default="release {date}", description="May use {n} and {date}.")


class NamedDay(Strict):
    """A release on a given day."""

    name: str
    date: date


class Blackout(Strict):
    """Days (both ends included) in which no hotfix ships unless an override applies."""

    name: str
    start: date
    end: date
    because: str = Field(default="", description="Why, in a sentence, for the decision's reason.")

    @model_validator(mode="after")
    def _ordered(self) -> Blackout:
        if self.end < self.start:
            raise ValueError(f"blackout {self.name!r}: end {self.end} is before start {self.start}")
        return self


class EventMatch(Strict):
    """Which calendar events count, by patterns on their summary or their categories."""

    summary: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)


class CalendarSettings(Strict):
    """Where release and freeze dates come from, and the blackout windows."""

    timezone: str = "UTC"
    cadence: Cadence | None = None
    releases: list[NamedDay] = Field(default_factory=list)
    freeze_days_before: int | None = Field(default=None, ge=0)
    blackouts: list[Blackout] = Field(default_factory=list)
    release_events: EventMatch = EventMatch(summary=[r"\brelease\b"], categories=["release"])
    freeze_events: EventMatch = EventMatch(
        summary=[r"\bfreeze\b", r"cherry[- ]?pick deadline", r"\bcode cut\b"],
        categories=["freeze"],
    )
    blackout_events: EventMatch = EventMatch(
        summary=[r"\bblackout\b", r"holiday freeze", r"no[- ]deploy"], categories=["blackout"]
    )
    horizon_days: int = Field(default=400, ge=1)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ReportSettings(Strict):
    """Settings of the hotfix reports."""

    hotfix_budget_per_release: int | None = Field(default=None, ge=0)


class Scales(Strict):
    """Tracker values that map to the normalized severity and priority."""

    severity: dict[Literal["S1", "S2", "S3", "S4"], list[str]]
    priority: dict[Literal["P1", "P2", "P3", "P4", "P5"], list[str]]
    severity_from_priority: dict[
        Literal["P1", "P2", "P3", "P4", "P5"], Literal["S1", "S2", "S3", "S4"]
    ] = Field(default_factory=dict)

    def lookup(self, scale: Literal["severity", "priority"]) -> dict[str, str]:
        """Raw value (lower case) to normalized value; the first listed level wins a tie."""
        table: dict[str, str] = {}
        for level, values in getattr(self, scale).items():
            for value in values:
                table.setdefault(value.lower(), level)
        return table


class Policy(Strict):
    """A whole hotfix policy, as read from one YAML file."""

    name: str
    description: str = ""
    audience: Audience = Field(
        default="end-users", description="Who uses the product: it sets which workarounds count."
    )
    negation: str
    signals: dict[str, SignalSpec]
    maintainer_signals: list[str] = Field(
        default_factory=list,
        description="Signals also read from maintainers' comments alone, as maintainer_<name>.",
    )
    derived: dict[str, str] = Field(default_factory=dict)
    core_functions: dict[str, list[str]]
    scales: Scales
    decision: Thresholds = Thresholds()
    reader: str | None = Field(
        default=None,
        description="A text model file made by 'hotgate reader train'; the bundled one if unset.",
    )
    criteria: dict[str, BeliefCriterion]
    overrides: list[Override] = Field(default_factory=list)
    timing: Timing = Timing()
    risk: RiskSettings
    calendar: CalendarSettings = CalendarSettings()
    reports: ReportSettings = ReportSettings()
    changes: ChangeLane | None = Field(default=None, description="The content lane.")
    fix_lane: FixLane = FixLane()
    learned: Learned | None = Field(
        default=None, description="Weights fitted to history by 'hotgate learn'."
    )
    sha256: str = Field(default="", description="Digest of the file the policy was read from.")

    @model_validator(mode="after")
    def _check(self) -> Policy:
        missing = [name for name in ISSUE_CRITERIA if name not in self.criteria]
        if missing:
            raise ValueError(f"criteria: missing {', '.join(missing)}")
        checked: list[tuple[str, str]] = []  # (pattern, its place in the file)
        for name, spec in self.signals.items():
            for field in spec.fields:
                if field not in MATCHABLE_FIELDS:
                    known = ", ".join(MATCHABLE_FIELDS)
                    raise ValueError(f"signals.{name}.fields: unknown field {field!r} ({known})")
            for part in ("text", "labels", "workaround_text", "logs"):
                for i, pattern in enumerate(getattr(spec, part)):
                    checked.append((pattern, f"signals.{name}.{part}[{i}]"))
        for i, name in enumerate(self.maintainer_signals):
            if name not in self.signals or not self.signals[name].text:
                raise ValueError(
                    f"maintainer_signals[{i}]: {name!r} is not a signal read from text"
                )
        for name, patterns in self.core_functions.items():
            for i, pattern in enumerate(patterns):
                checked.append((pattern, f"core_functions.{name}[{i}]"))
        checked.append((self.negation, "negation"))
        for part in ("release_events", "freeze_events", "blackout_events"):
            for i, pattern in enumerate(getattr(self.calendar, part).summary):
                checked.append((pattern, f"calendar.{part}.summary[{i}]"))
        _check_patterns(checked)
        self.conditions  # noqa: B018 -- parse every condition now, so errors surface at load
        return self

    @cached_property
    def names(self) -> dict[str, Kind]:
        """Every name a condition may use, with its kind."""
        names: dict[str, Kind] = dict.fromkeys(NUMERIC_FIELDS, "number")
        names.update(dict.fromkeys(TEXT_FIELDS, "string"))
        names.update(dict.fromkeys((*BUILTIN_SIGNALS, *self.signals), "bool"))
        names.update(dict.fromkeys((f"maintainer_{n}" for n in self.maintainer_signals), "bool"))
        return names

    @cached_property
    def conditions(self) -> dict[str, Node]:
        """Every condition of the policy, parsed, keyed by its place in the file."""
        names = dict(self.names)
        parsed: dict[str, Node] = {}
        for name, text in self.derived.items():
            parsed[f"derived.{name}"] = _parse(text, names, f"derived.{name}")
            names[name] = "bool"
        for crit_name, criterion in self.criteria.items():
            for i, rule in enumerate(criterion.rules):
                place = f"criteria.{crit_name}.rules[{i}].when"
                parsed[place] = _parse(rule.when, names, place)
            if criterion.doubt is not None:
                place = f"criteria.{crit_name}.doubt.when"
                parsed[place] = _parse(criterion.doubt.when, names, place)
        for i, override in enumerate(self.overrides):
            place = f"overrides[{i}].when"
            parsed[place] = _parse(override.when, names, place)
        for place, text in condition_places(self.learned).items():
            parsed[place] = _parse(text, names, place)
        return parsed

    def criterion_names(self) -> list[str]:
        """The criteria for bugs, in the order they are asked."""
        return [name for name in self.criteria if name in ISSUE_CRITERIA]


def _check_patterns(patterns: list[tuple[str, str]]) -> None:
    """ValueError naming the first pattern that either regex engine cannot read.

    polars is asked once for the whole list (one query, not one per pattern: a policy holds
    several hundred); only when it refuses are the patterns tried one by one to name the place.
    """
    try:
        pl.select(
            pl.lit("").str.contains(for_polars(pattern)).alias(str(i))
            for i, (pattern, _) in enumerate(patterns)
        )
        for pattern, _ in patterns:
            compiled(f"x|(?:{pattern})")
    except (re.error, pl.exceptions.ComputeError):
        for pattern, place in patterns:
            _check_pattern(pattern, place)


def _check_pattern(pattern: str, place: str) -> None:
    try:
        # Wrapped as the lexicon joins it: a global flag such as (?s) must be scoped, (?s:...).
        compiled(f"x|(?:{pattern})")
        pl.Series([""]).str.contains(for_polars(pattern))
    except (re.error, pl.exceptions.ComputeError) as exc:
        raise ValueError(f"{place}: not a valid pattern: {exc}".splitlines()[0]) from None


def _parse(text: str, names: dict[str, Kind], place: str) -> Node:
    try:
        return parse(text, names)
    except ConditionError as exc:
        raise ValueError(f"{place}: {exc}") from None


def default_policy_text() -> str:
    """The default policy file shipped inside the package."""
    return resources.files("hotgate.policy.definition").joinpath("default.yaml").read_text("utf-8")


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file, or the default policy when no path is given."""
    label = str(path) if path else "default policy"
    try:
        text = Path(path).read_text("utf-8") if path else default_policy_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{label}: cannot read: {exc}") from None
    return parse_policy(text, label)


def _read_yaml(text: str, label: str) -> Any:
    """The YAML document, read by libyaml; text it refuses is read again by PyYAML's own
    reader, whose error names the problem's line (libyaml's is often the end of the file)."""
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise PolicyError(
            f"{label}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None


def parse_policy(text: str, label: str = "policy") -> Policy:
    """Validate a policy given as YAML text; errors name the file and the place in it."""
    data = _read_yaml(text, label)
    if not isinstance(data, dict):
        raise PolicyError(f"{label}: a policy is a mapping of sections, got {type(data).__name__}")
    data["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        place, message = first_error(exc)
        raise PolicyError(f"{label}: {place + ': ' if place else ''}{message}") from None


Made = TypeVar("Made")
_MADE: dict[tuple[int, Callable[..., Any]], tuple[weakref.ref[Policy], Any]] = {}


def made_once(policy: Policy, build: Callable[[Policy], Made]) -> Made:
    """What build makes of a policy, made once for each loaded policy (a policy never changes)."""
    key = (id(policy), build)
    known = _MADE.get(key)
    if known is not None and known[0]() is policy:
        result: Made = known[1]
        return result
    made = build(policy)
    _MADE[key] = (weakref.ref(policy, lambda _: _MADE.pop(key, None)), made)
    return made
