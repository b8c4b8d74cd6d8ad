"""Reading release calendars from files and URLs; the pure rules are in policy/deciding/calendar."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import ValidationError

from hotgate.calendars.ical import ical_calendar
from hotgate.calendars.schedules import firefox_calendar, kubernetes_calendar
from hotgate.calendars.trackers import github_milestones, jira_issue_fix_versions, jira_versions
from hotgate.policy.deciding.calendar import (
    Calendar,
    CalendarError,
    merge,
    policy_calendar,
    with_freezes,
)
from hotgate.policy.definition.rules import first_error
from hotgate.policy.definition.schema import CalendarSettings, Policy
from hotgate.sources.documents import safe_yaml

__all__ = [
    "calendar_for",
    "github_milestones",
    "jira_issue_fix_versions",
    "jira_versions",
    "parse_calendar",
    "read_calendar",
]

FETCH_TIMEOUT = 20.0


def read_text(spec: str) -> str:
    """The text of a calendar file, or of a URL fetched over HTTP(S)."""
    if spec.startswith(("http://", "https://", "webcal://")):
        url = "https://" + spec.removeprefix("webcal://") if spec.startswith("webcal://") else spec
        try:
            response = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise CalendarError(f"{spec}: cannot fetch the calendar: {exc}") from None
        return response.text
    try:
        return Path(spec).read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CalendarError(f"{spec}: not valid UTF-8 at byte {exc.start}") from None
    except OSError as exc:
        raise CalendarError(f"{spec}: cannot read the calendar: {exc.strerror or exc}") from None


def _structured(text: str, label: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return safe_yaml(text)
    except yaml.YAMLError as exc:
        if "aliases" in str(exc):
            raise CalendarError(f"{label}: aliases are not allowed in a calendar") from None
        raise CalendarError(f"{label}: neither iCalendar, JSON nor YAML") from None
    except ValueError as exc:  # YAML reads 2023-13-01 as a date and fails on the month
        raise CalendarError(f"{label}: a date that is no date: {exc}") from None


def parse_calendar(text: str, settings: CalendarSettings, as_of: date, label: str) -> Calendar:
    """Recognise a calendar by its content and read its releases, freezes and blackouts."""
    if text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        return ical_calendar(text, settings, as_of, label)
    data = _structured(text, label)
    if isinstance(data, dict):
        if "schedules" in data:
            return kubernetes_calendar(data, label)
        if "issues" in data:
            return jira_issue_fix_versions(data, label)
        if isinstance(data.get("releases"), dict) or all(
            isinstance(v, str) and str(k)[:1].isdigit() for k, v in data.items()
        ):
            return firefox_calendar(data, label)
        if "releases" in data or "cadence" in data or "blackouts" in data:
            # A calendar in the policy's own words, kept in a file of its own.
            try:
                own = CalendarSettings.model_validate({**settings.model_dump(), **data})
            except ValidationError as exc:
                place, message = first_error(exc)
                raise CalendarError(f"{label}: {place}: {message}") from None
            return policy_calendar(own, as_of)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        if "due_on" in data[0] or ("html_url" in data[0] and "title" in data[0]):
            return github_milestones(data, label)
        if "releaseDate" in data[0] or ("name" in data[0] and "released" in data[0]):
            return jira_versions(data, label)
    if isinstance(data, list) and not data:
        return Calendar(sources=(label,))
    raise CalendarError(
        f"{label}: not a calendar hotgate knows (iCalendar, GitHub milestones, Jira versions, "
        "Kubernetes schedule, Firefox product-details)"
    )


def read_calendar(
    spec: str, settings: CalendarSettings, as_of: date, read: Callable[[str], str] = read_text
) -> Calendar:
    """Read one calendar file or URL."""
    return parse_calendar(read(spec), settings, as_of, spec)


def calendar_for(
    policy: Policy, specs: Iterable[str], as_of: date, read: Callable[[str], str] = read_text
) -> Calendar:
    """The policy's own calendar joined with every file or URL given, freezes filled in.

    read fetches a file's or URL's text; a server passes one that keeps what it fetched.
    """
    settings = policy.calendar
    calendars = [policy_calendar(settings, as_of)]
    calendars.extend(read_calendar(spec, settings, as_of, read) for spec in specs)
    return with_freezes(merge(calendars), settings.freeze_days_before)
