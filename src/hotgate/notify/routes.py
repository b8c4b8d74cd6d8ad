"""The `notifications:` section: where each kind of event goes, and who wants a daily digest."""

from __future__ import annotations

import os
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hotgate.jobs.schedule import parse_every
from hotgate.sources.base import SourceError

EventName = Literal[
    "hotfix-candidate",
    "verdict-changed",
    "hotfix-approved",
    "hotfix-rejected",
    "review-waiting",
    "budget-exceeded",
    "change-decided",
]
EVENTS: tuple[EventName, ...] = EventName.__args__  # type: ignore[attr-defined]
REQUESTER = "{requester}"


class Route(BaseModel):
    """Where messages go (an apprise URL) and which events, verdicts, components, severities."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Shown in the outbox and logs.")
    url: SecretStr | None = Field(
        default=None, description="An apprise URL (slack://, msteams://, mailtos://, json://)."
    )
    url_env: str | None = Field(
        default=None, description="Environment variable holding the apprise URL instead."
    )
    events: list[EventName] = Field(default_factory=lambda: list(EVENTS))
    verdicts: list[str] | None = None
    components: list[str] | None = None
    severities: list[Literal["S1", "S2", "S3", "S4"]] | None = None
    digest: bool = Field(default=False, description="Hold messages for one a day.")

    @model_validator(mode="after")
    def _one_address(self) -> Route:
        if (self.url is None) == (self.url_env is None):
            raise ValueError(f"route {self.name!r}: give exactly one of url and url_env")
        return self

    def address(self) -> str:
        """The apprise URL (from the file or the environment); kept out of logs and the store."""
        if self.url is not None:
            return self.url.get_secret_value()
        value = os.environ.get(self.url_env or "")
        if not value:
            raise SourceError(
                f"notification route {self.name!r}: environment variable {self.url_env} is not set"
            )
        return value

    def to_requester(self) -> bool:
        """Whether the URL names the requester ({requester}): such a route gets their events."""
        return self.url_env is None and REQUESTER in self.address()

    def wants(
        self,
        event: str,
        verdict: str | None,
        component: str | None,
        severity: str | None,
        requester: str | None,
    ) -> bool:
        """Whether an event with these facts goes to this route."""
        if event not in self.events:
            return False
        if self.to_requester() and not requester:
            return False
        checks = ((self.verdicts, verdict), (self.components, component))
        if any(allowed is not None and value not in allowed for allowed, value in checks):
            return False
        return self.severities is None or severity in self.severities


class Notifications(BaseModel):
    """The whole section: how often to look for events, the review wait, the digest hour."""

    model_config = ConfigDict(extra="forbid")

    every: str = Field(default="1m", description="How often new events are looked for and sent.")
    review_after_hours: float = Field(default=24, ge=0)
    digest_at: time = Field(default=time(8, 0), description="When the daily digest goes (UTC).")
    routes: list[Route] = Field(default_factory=list)

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_every(value)
        return value

    @model_validator(mode="after")
    def _names_differ(self) -> Notifications:
        names = [r.name for r in self.routes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"route names must differ; repeated: {', '.join(twice)}")
        return self
