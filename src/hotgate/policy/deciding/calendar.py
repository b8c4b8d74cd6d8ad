"""Releases, freezes, cadence, blackouts and the days until them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from dateutil.rrule import DAILY, rrule

from hotgate.model import Release
from hotgate.policy.deciding.engine import Context, release_on
from hotgate.policy.definition.schema import Blackout, CalendarSettings, EventMatch

MilestoneKind = Literal["release", "freeze"]
EventKind = Literal["release", "freeze", "blackout"]


class CalendarError(ValueError):
    """Release dates that cannot be used; the message names the option or file."""


@dataclass(frozen=True, order=True)
class Milestone:
    """A release or a freeze on a day; a freeze names the release it guards when known."""

    day: date
    kind: MilestoneKind
    name: str
    release: str | None = None


@dataclass(frozen=True)
class Calendar:
    """Everything known about the release train: releases, freezes and blackout windows."""

    milestones: tuple[Milestone, ...] = ()
    blackouts: tuple[Blackout, ...] = ()
    sources: tuple[str, ...] = field(default=(), compare=False)

    def releases(self) -> list[Milestone]:
        """The releases, in date order."""
        return sorted(m for m in self.milestones if m.kind == "release")

    def freezes(self) -> list[Milestone]:
        """The freezes, in date order."""
        return sorted(m for m in self.milestones if m.kind == "freeze")


def merge(calendars: Iterable[Calendar]) -> Calendar:
    """One calendar holding every milestone and blackout of the given ones, without repeats."""
    milestones: set[Milestone] = set()
    blackouts: list[Blackout] = []
    sources: list[str] = []
    for calendar in calendars:
        milestones.update(calendar.milestones)
        blackouts.extend(b for b in calendar.blackouts if b not in blackouts)
        sources.extend(calendar.sources)
    return Calendar(tuple(sorted(milestones)), tuple(blackouts), tuple(sources))


def policy_calendar(settings: CalendarSettings, as_of: date) -> Calendar:
    """The releases and blackouts the policy itself names: its cadence and explicit dates."""
    milestones = [Milestone(r.date, "release", r.name) for r in settings.releases]
    cadence = settings.cadence
    if cadence is not None:
        until = as_of + timedelta(days=settings.horizon_days)
        days = rrule(
            DAILY,
            interval=cadence.every_days,
            dtstart=datetime.combine(cadence.start, datetime.min.time()),
            until=datetime.combine(until, datetime.min.time()),
        )
        for n, moment in enumerate(days, start=1):
            day = moment.date()
            name = cadence.name.format(n=n, date=day.isoformat())
            milestones.append(Milestone(day, "release", name))
    return Calendar(tuple(sorted(milestones)), tuple(settings.blackouts), ("policy",))


def with_freezes(calendar: Calendar, days_before: int | None) -> Calendar:
    """Add a freeze `days_before` each release that has no freeze of its own."""
    if days_before is None:
        return calendar
    releases = calendar.releases()
    added: list[Milestone] = []
    previous: date | None = None
    for release in releases:
        own = [
            f
            for f in calendar.freezes()
            if f.release == release.name
            or (
                f.release is None
                and f.day <= release.day
                and (previous is None or f.day > previous)
            )
        ]
        if not own:
            day = release.day - timedelta(days=days_before)
            added.append(Milestone(day, "freeze", f"{release.name} freeze", release.name))
        previous = release.day
    return Calendar(
        tuple(sorted((*calendar.milestones, *added))), calendar.blackouts, calendar.sources
    )


def classify(
    summary: str, categories: Iterable[str], settings: CalendarSettings
) -> EventKind | None:
    """Whether a calendar event is a blackout, a freeze or a release, by the policy's patterns."""
    lowered = {c.strip().lower() for c in categories}
    rules: list[tuple[EventKind, EventMatch]] = [
        ("blackout", settings.blackout_events),
        ("freeze", settings.freeze_events),
        ("release", settings.release_events),
    ]
    for kind, match in rules:
        if lowered & {c.lower() for c in match.categories}:
            return kind
        if any(re.search(p, summary, re.IGNORECASE) for p in match.summary):
            return kind
    return None


def next_release(calendar: Calendar, as_of: date) -> Release | None:
    """The first release on or after as_of (a release today counts: 0 days until it)."""
    for release in calendar.releases():
        if release.day >= as_of:
            return release_on(release.name, release.day, as_of)
    return None


def freeze_of(calendar: Calendar, release: Release) -> Milestone | None:
    """The freeze that guards a release: named for it, or the last one before it."""
    earlier = [r.day for r in calendar.releases() if r.day < release.date]
    since = max(earlier) if earlier else date.min
    for freeze in reversed(calendar.freezes()):
        if freeze.release == release.name:
            return freeze
        if freeze.release is None and since < freeze.day <= release.date:
            return freeze
    return None


def timing_release(calendar: Calendar, as_of: date) -> Release | None:
    """What the timing rule weighs: the next release, or its freeze when that comes first.

    A freeze comes back as kind "freeze" under its release's name, so decisions stay grouped
    by release cycle. A freeze that has already begun no longer comes first: the release
    itself is then the nearer date still ahead.
    """
    release = next_release(calendar, as_of)
    if release is None:
        return None
    freeze = freeze_of(calendar, release)
    if freeze is not None and as_of <= freeze.day < release.date:
        return Release(
            name=release.name, date=freeze.day, days_until=(freeze.day - as_of).days, kind="freeze"
        )
    return release


def freeze_in_effect(calendar: Calendar, as_of: date) -> Milestone | None:
    """The freeze that has begun before as_of and whose release is still ahead, if any."""
    release = next_release(calendar, as_of)
    if release is None:
        return None
    freeze = freeze_of(calendar, release)
    return freeze if freeze is not None and freeze.day < as_of else None


def blackout_on(calendar: Calendar, day: date) -> Blackout | None:
    """The blackout window that covers a day, if any."""
    return next((b for b in calendar.blackouts if b.start <= day <= b.end), None)


def upcoming(calendar: Calendar, as_of: date, limit: int | None = None) -> list[Milestone]:
    """Releases and freezes on or after as_of, in date order."""
    ahead = [m for m in sorted(calendar.milestones) if m.day >= as_of]
    return ahead[:limit] if limit is not None else ahead


def context_from_options(
    as_of: date, given: date | None, calendar: Calendar | None = None
) -> Context:
    """The decision context from an as-of day, a given next release (--next-release) and a calendar.

    --next-release wins over the calendar for the release date; blackouts still apply.
    """
    blackout = blackout_on(calendar, as_of) if calendar is not None else None
    if given is not None:
        if given < as_of:
            raise CalendarError(
                f"--next-release {given.isoformat()} is before --as-of {as_of.isoformat()}"
            )
        return Context(as_of, release_on("next release", given, as_of), blackout)
    if calendar is None:
        return Context(as_of=as_of, blackout=blackout)
    ships = next_release(calendar, as_of)
    return Context(as_of, timing_release(calendar, as_of), blackout, ships=ships)
