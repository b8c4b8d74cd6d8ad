"""Releases, freezes and blackouts from iCalendar text, recurring events expanded."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from hotgate.policy.deciding.calendar import Calendar, CalendarError, Milestone, classify
from hotgate.policy.definition.schema import Blackout, CalendarSettings


def _day(value: date | datetime, zone: ZoneInfo) -> date:
    """The calendar day of a start or end, seen in the policy's time zone."""
    if isinstance(value, datetime):
        # A floating time (no zone) is already local; a zoned one is moved to the policy's zone.
        return value.astimezone(zone).date() if value.tzinfo is not None else value.date()
    return value


def _categories(event: icalendar.Event) -> list[str]:
    raw = event.get("CATEGORIES")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        cats = getattr(item, "cats", None)
        names.extend(str(c) for c in cats) if cats is not None else names.append(str(item))
    return names


def ical_calendar(text: str, settings: CalendarSettings, as_of: date, label: str) -> Calendar:
    """Read an iCalendar file's events between a year before as_of and the policy's horizon."""
    try:
        parsed = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise CalendarError(f"{label}: not a valid iCalendar file: {exc}") from None
    refuse_sub_daily(parsed, label)
    zone = ZoneInfo(settings.timezone)
    start = as_of - timedelta(days=366)
    end = as_of + timedelta(days=settings.horizon_days)
    try:
        # Only the window asked for is expanded, and never more than MAX_EVENTS events.
        events = list(
            itertools.islice(recurring_ical_events.of(parsed).between(start, end), MAX_EVENTS + 1)
        )
    except Exception as exc:  # the library raises many kinds on broken rules
        raise CalendarError(f"{label}: cannot expand recurring events: {exc}") from None
    if len(events) > MAX_EVENTS:
        raise CalendarError(f"{label}: more than {MAX_EVENTS:,} events between {start} and {end}")
    milestones: list[Milestone] = []
    blackouts: list[Blackout] = []
    for event in events:
        summary = str(event.get("SUMMARY", "")).strip()
        kind = classify(summary, _categories(event), settings)
        if kind is None or event.get("DTSTART") is None:
            continue
        first = _day(event["DTSTART"].dt, zone)
        if kind == "blackout":
            blackouts.append(
                Blackout(name=summary or "blackout", start=first, end=_last_day(event, first, zone))
            )
        else:
            milestones.append(Milestone(first, kind, summary or kind))
    return Calendar(tuple(sorted(set(milestones))), tuple(blackouts), (label,))


def refuse_sub_daily(parsed: icalendar.Calendar, label: str) -> None:
    """Refuse events that repeat more often than daily: no release train leaves every hour.

    Expanding `FREQ=SECONDLY` over a year is tens of millions of events; a clear error is
    better than minutes of work and gigabytes of memory.
    """
    for event in parsed.walk("VEVENT"):
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules]:
            if rule is None:
                continue
            frequencies = [str(f).upper() for f in rule.get("FREQ", [])]
            fast = [f for f in frequencies if f in _SUB_DAILY]
            # FREQ=DAILY;BYHOUR=0,1,…,23 repeats hourly all the same.
            fast += [
                f"{part} several times a day"
                for part in ("BYHOUR", "BYMINUTE", "BYSECOND")
                if len(rule.get(part, [])) > 1
            ]
            if fast:
                summary = str(event.get("SUMMARY", "")).strip() or "an event"
                how = fast[0].lower() if fast[0] in _SUB_DAILY else fast[0]
                raise CalendarError(
                    f"{label}: {summary!r} repeats {how} (RRULE); "
                    "a release calendar repeats daily at most"
                )


_SUB_DAILY = {"SECONDLY", "MINUTELY", "HOURLY"}
MAX_EVENTS = 20_000


def _last_day(event: icalendar.Event, first: date, zone: ZoneInfo) -> date:
    """The last day an event covers; DTEND is exclusive (a whole-day end, or midnight)."""
    end = event.get("DTEND")
    if end is None:
        return first
    value = end.dt
    if isinstance(value, datetime):
        local = value.astimezone(zone) if value.tzinfo is not None else value
        last = (
            local.date() - timedelta(days=1)
            if local.time() == datetime.min.time()
            else local.date()
        )
    else:
        last = value - timedelta(days=1)
    return max(first, last)
