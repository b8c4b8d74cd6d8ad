"""What the store hands back: plain records of decisions, reviews, tokens and audit entries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

State = Literal[
    "proposed",
    "approved",
    "rejected",
    "overridden",
    "deployed",
    "verified",
    "regressed",
    "rolled-back",
]
Action = Literal[
    "approve", "reject", "override", "deployed", "verified", "regressed", "rolled-back"
]
Role = Literal["viewer", "requester", "approver", "admin"]
# the same values as tuples, in workflow order, for loops and checks
STATES: tuple[State, ...] = get_args(State)
ACTIONS: tuple[Action, ...] = get_args(Action)
ROLES: tuple[Role, ...] = get_args(Role)


def utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time (SQLite hands back naive ones)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DecisionSummary(_Record):
    """One recorded assessment of a subject, without its evidence."""

    id: int
    subject_key: str
    subject_kind: Literal["issue", "change"]
    source: str
    title: str
    url: str | None
    verdict: str
    override: str | None
    previous_verdict: str | None = Field(
        description="Verdict of the previous assessment of this key."
    )
    verdict_changed: bool = Field(
        description="True when the verdict differs from the previous one."
    )
    latest: bool = Field(description="True for the newest assessment of this key.")
    state: State
    final_verdict: str | None = Field(
        description="The verdict after review (an override's verdict)."
    )
    as_of: date
    release_name: str | None
    release_date: date | None
    policy_name: str
    policy_sha256: str
    cost_of_waiting: float
    risk_of_hotfix: float
    version: int = Field(description="Send it back with a review; a stale one gets 409.")
    created_at: datetime
    updated_at: datetime | None
    answered_by: str | None = Field(
        default=None, description="Who gave the answers the decision rests on, if any."
    )
    answered_role: Role | None = Field(
        default=None, description="Their role then (null: the command line)."
    )

    @field_validator("created_at", "updated_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value)


class ReviewRecord(_Record):
    """One review step of a decision: who did what, when and why."""

    id: int
    decision_id: int
    action: Action
    from_state: State
    to_state: State
    verdict: str | None
    reason: str | None
    actor: str
    created_at: datetime

    @field_validator("created_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime) -> datetime | None:
        return utc(value)


class DecisionRecord(DecisionSummary):
    """A recorded assessment with its evidence (the decision object) and its reviews."""

    evidence: dict[str, Any]
    reviews: list[ReviewRecord] = Field(default_factory=list)


class AuditEntry(_Record):
    """One line of the append-only audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    @field_validator("at", mode="after")
    @classmethod
    def _utc(cls, value: datetime) -> datetime | None:
        return utc(value)


class TokenRecord(_Record):
    """An API token's public part: never the secret."""

    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When it last authenticated a request (kept to the minute)."
    )
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When it stops working; null: never.")

    @field_validator("created_at", "last_used_at", "revoked_at", "expires_at", mode="after")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc(value)

    def expired(self, at: datetime) -> bool:
        """Whether the token's expiry has passed at a moment."""
        return self.expires_at is not None and self.expires_at <= at


class Counts(BaseModel):
    """How many rows a bulk write inserted, updated, and how many verdicts changed."""

    inserted: int = 0
    updated: int = 0
    changed: int = 0

    def add(self, other: Counts) -> None:
        """Count another write's rows too."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.changed += other.changed
