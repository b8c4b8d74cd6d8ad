"""The nouns of hotgate: issues, change requests, signals, evidence and decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, get_args

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Answer = Literal["yes", "no", "unknown"]
Verdict = Literal["hotfix", "wait", "no-hotfix", "needs-info"]
Severity = Literal["S1", "S2", "S3", "S4"]
Priority = Literal["P1", "P2", "P3", "P4", "P5"]
SignalSource = Literal["field", "label", "text", "telemetry", "answer", "count", "calendar"]

VERDICTS: tuple[Verdict, ...] = ("hotfix", "needs-info", "wait", "no-hotfix")
ChangeKind = Literal[
    "text", "image", "stock", "shipping", "template",
    "price", "layout", "script", "checkout", "other",
]  # fmt: skip
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
# Review states of a hotfix that shipped, and of one that caused trouble afterwards (rolled
# back, or followed by a regression): the report, the dashboard and learning count by these.
SHIPPED_STATES = ("deployed", "verified", "regressed", "rolled-back")
TROUBLE_STATES = frozenset({"rolled-back", "regressed"})
# The rule a criterion's evidence names when a person's answer decided it.
PERSON = "answered-by-a-person"
# The release of a decision made with no release known, as the report and dashboard name it.
NO_RELEASE = "(no release known)"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Input(_Model):
    """A subject as it arrives from a tracker, a file or a person."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text, and no tracker field means one: refuse it here
        # with the field's name rather than fail when the store writes it
        try:  # one fast pass over the whole input; the place is looked for only when needed
            if b"\\u0000" not in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS):
                return value
        except TypeError:  # not plain data (a model instance): look at it the slow way
            pass
        place = nul_place(value)
        if place is not None:
            raise ValueError(f"{place}: contains a NUL character (\\0), which hotgate refuses")
        return value


def nul_place(value: Any, place: str = "") -> str | None:
    """Where the first NUL character is in a JSON-like value ("title", "labels.2"), or None."""
    if isinstance(value, str):
        return (place or "value") if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return place or "a field name"
        found = nul_place(item, f"{place}.{key}" if place else str(key))
        if found is not None:
            return found
    return None


CommentRole = Literal["maintainer", "reporter", "other"]


class Comment(_Model):
    """One comment on a bug, with who wrote it: a maintainer's word weighs more than others'."""

    text: str
    author: str | None = None
    role: CommentRole = Field(
        default="other",
        description="maintainer (member, owner, collaborator, assignee), reporter, or other.",
    )
    created: datetime | None = None


class Issue(_Input):
    """A bug as hotgate reads it, whatever tracker it came from."""

    key: str = Field(
        min_length=1, max_length=300, description="Stable key such as github:OWNER/REPO#N."
    )
    source: str = Field(
        min_length=1, max_length=50, description="Tracker or format the issue came from."
    )
    title: str = Field(min_length=1)
    body: str = ""
    comments: list[Comment] = Field(
        default_factory=list, description="Comments after the description; plain text is allowed."
    )
    labels: list[str] = Field(default_factory=list)
    type: str | None = None
    severity: Severity | None = None
    severity_raw: str | None = None
    priority: Priority | None = None
    priority_raw: str | None = None
    status: str | None = None
    resolution: str | None = None
    component: str | None = None
    product: str | None = None
    versions: list[str] = Field(default_factory=list)
    created: datetime | None = None
    updated: datetime | None = None
    duplicates: int = Field(default=0, ge=0)
    votes: int = Field(default=0, ge=0)
    reactions: int = Field(default=0, ge=0)
    watchers: int = Field(default=0, ge=0)
    comment_count: int = Field(default=0, ge=0)
    affected_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of users affected, from telemetry (0 to 1)."
    )
    fix_lines: int | None = Field(default=None, ge=0, description="Lines the fix changes.")
    fix_files: int | None = Field(default=None, ge=0, description="Files the fix changes.")
    fix_has_tests: bool | None = Field(default=None, description="Whether the fix adds tests.")
    url: str | None = None
    answers: dict[str, Answer] = Field(
        default_factory=dict, description="A person's answers to criteria, by criterion name."
    )

    @field_validator("comments", "labels", "versions", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("comments", mode="before")
    @classmethod
    def _plain_comments(cls, value: Any) -> Any:
        # A comment given as plain text is a comment whose author is unknown.
        if isinstance(value, list):
            return [{"text": c} if isinstance(c, str) else c for c in value]
        return value


class ChangeRequest(_Input):
    """A quick site change asked for by a marketer or content owner."""

    kind: Literal["change"] = "change"
    id: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1)
    description: str = ""
    changes: list[ChangeKind] | None = Field(
        default=None, description="What kinds of change; inferred from the text when left out."
    )
    areas: list[str] | None = Field(
        default=None, description="Site areas or pages touched; inferred when left out."
    )
    paths: list[str] | None = Field(default=None, description="Files the change touches.")
    template: str | None = Field(default=None, description="An id from the template registry.")
    custom_code: bool | None = Field(
        default=None, description="Whether it adds or changes code; inferred when left out."
    )
    needed_by: date | None = None
    reason: str | None = None
    requested_by: str | None = Field(default=None, max_length=200)
    url: str | None = None
    answers: dict[str, Answer] = Field(default_factory=dict)

    @field_validator("changes", "areas", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        return [v.strip().lower() if isinstance(v, str) else v for v in value] if value else value

    @property
    def key(self) -> str:
        """The stable key of this change request."""
        return f"change:{self.id}"


class Signal(_Model):
    """One thing read from a subject: a fact a criterion can rest on."""

    name: str
    value: bool | float | str
    source: SignalSource
    where: str = Field(description="Field, label, text or answer the signal was read from.")
    excerpt: str = ""


class Factor(_Model):
    """One piece of evidence that moved a criterion's degree of belief, with its weight."""

    rule: str = Field(description="Name of the policy rule whose condition held.")
    weight: float = Field(description="Log-odds it adds (positive: towards yes).")
    because: str
    signals: list[Signal] = Field(default_factory=list)


class Evidence(_Model):
    """The signals behind one criterion's answer, and what is still unknown."""

    rule: str | None = Field(
        default=None, description="Name of the policy rule that weighed most towards the answer."
    )
    because: str | None = None
    signals: list[Signal] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    factors: list[Factor] = Field(
        default_factory=list, description="Every rule that held, strongest first, with its weight."
    )


class CriterionResult(_Model):
    """A criterion answered for one subject."""

    name: str
    title: str
    questions: list[str]
    answer: Answer
    probability: float | None = Field(
        default=None, ge=0, le=1, description="Degree of belief that the answer is yes (0 to 1)."
    )
    evidence: Evidence


class Subject(_Model):
    """What a decision is about."""

    kind: Literal["issue", "change"]
    key: str
    title: str
    url: str | None = None
    source: str | None = None
    component: str | None = None
    reported: datetime | None = Field(default=None, description="When the subject was reported.")


class Release(_Model):
    """The release (or freeze) a subject would otherwise ship with."""

    name: str
    date: date
    days_until: int
    kind: Literal["release", "freeze"] = "release"


class RiskFactor(_Model):
    """One factor of a risk number, shown so a person can check the sum."""

    name: str
    value: float
    note: str


class Risk(_Model):
    """Cost of waiting and risk of the hotfix, with how they were computed."""

    cost_of_waiting: float
    risk_of_hotfix: float
    cost_factors: list[RiskFactor]
    risk_factors: list[RiskFactor]
    cost_formula: str
    risk_formula: str


class PolicyRef(_Model):
    """Which policy made a decision."""

    name: str
    sha256: str


class Decision(_Model):
    """The verdict on one subject, with its reasons and evidence."""

    subject: Subject
    verdict: Verdict
    probability: float | None = Field(
        default=None, ge=0, le=1, description="Degree of belief that the subject qualifies."
    )
    criteria: list[CriterionResult]
    questions: list[str]
    what_would_change: list[str] = Field(
        default_factory=list, description="What would change the verdict, in words."
    )
    release: Release | None
    risk: Risk
    reasons: list[str]
    override: str | None = None
    as_of: date
    policy: PolicyRef
