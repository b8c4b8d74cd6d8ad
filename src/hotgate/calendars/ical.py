"""Releases, freezes and blackouts from iCalendar text, recurring events expanded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from hotgate.policy.calendar import Calendar, CalendarError, Milestone, classify
from hotgate.policy.schema import Blackout, CalendarSettings


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
    zone = ZoneInfo(settings.timezone)
    start = as_of - timedelta(days=366)
    end = as_of + timedelta(days=settings.horizon_days)
    try:
        events = recurring_ical_events.of(parsed).between(start, end)
    except Exception as exc:  # the library raises many kinds on broken rules
        raise CalendarError(f"{label}: cannot expand recurring events: {exc}") from None
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
