"""What runs when: the jobs a sources file asks for, and how often, in words and as cron."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from hotgate.sync.config import SourcesFile

JobKind = Literal["sync", "recheck", "notify"]
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
HOUR, DAY = 3600, 86400


def parse_every(text: str) -> int:
    """An interval such as 30s, 15m, 1h or 1d in seconds; it must divide a minute, hour or day.

    Jobs run on the clock's round marks (every 15m: at :00, :15, :30, :45), the same on the
    embedded scheduler and on the queue's cron, so the interval must fit the clock evenly.
    """
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text or "")
    if not found:
        raise ValueError(f"{text!r} is not an interval such as 30s, 15m, 1h or 1d")
    seconds = int(found.group(1)) * UNITS[found.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r}: the interval must be longer than zero")
    fits = (
        (seconds < 60 and 60 % seconds == 0)
        or (60 <= seconds < HOUR and seconds % 60 == 0 and HOUR % seconds == 0)
        or (HOUR <= seconds <= DAY and seconds % HOUR == 0 and DAY % seconds == 0)
    )
    if not fits:
        raise ValueError(
            f"{text!r} does not fit the clock evenly; choose one that divides a minute, an hour "
            "or a day (10s, 30s, 5m, 10m, 15m, 30m, 1h, 2h, 6h, 12h, 1d)"
        )
    return seconds


def cron_of(seconds: int) -> str:
    """The cron line of an interval parse_every accepted (a sixth field counts seconds)."""
    if seconds < 60:
        return f"* * * * * */{seconds}"
    if seconds < HOUR:
        return f"*/{seconds // 60} * * * *"
    if seconds < DAY:
        return f"0 */{seconds // HOUR} * * *"
    return "0 0 * * *"


class RecheckConfig(BaseModel):
    """Re-decide open bugs when the calendar moves (a freeze starts, a release ships)."""

    model_config = ConfigDict(extra="forbid")

    every: str = Field(default="1h", description="How often to look at the calendar.")

    @field_validator("every")
    @classmethod
    def _every(cls, value: str) -> str:
        parse_every(value)
        return value


@dataclass(frozen=True)
class Job:
    """One scheduled job: its name (also its lease and queue lock), kind, interval and source."""

    name: str
    kind: JobKind
    every: int
    source: str | None = None


def planned_jobs(file: SourcesFile) -> list[Job]:
    """The jobs a sources file asks for: a sync per source with `every`, recheck, notify."""
    planned = [
        Job(f"sync:{s.name}", "sync", parse_every(s.every), s.name) for s in file.sources if s.every
    ]
    if file.recheck is not None:
        planned.append(Job("recheck", "recheck", parse_every(file.recheck.every)))
    if file.notifications is not None and file.notifications.routes:
        planned.append(Job("notify", "notify", parse_every(file.notifications.every)))
    return planned
