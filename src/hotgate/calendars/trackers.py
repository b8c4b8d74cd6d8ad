"""Releases from trackers: GitHub milestones and Jira fix versions with release dates.

Each reader takes the JSON the tracker's REST API returns, already parsed, so that a live
connector can hand its pages straight to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from hotgate.policy.deciding.calendar import Calendar, CalendarError, Milestone


def _when(value: Any, where: str) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return (
            datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            if "T" in text
            else date.fromisoformat(text)
        )
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a date") from None


def github_milestones(
    items: Iterable[Mapping[str, Any]], label: str = "github milestones"
) -> Calendar:
    """GitHub milestones (GET /repos/{owner}/{repo}/milestones): title and due_on."""
    milestones: list[Milestone] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "title" not in item:
            raise CalendarError(f"{label}: item {i} is not a GitHub milestone (no title)")
        due = _when(item.get("due_on"), f"{label}: item {i} due_on")
        if due is not None:
            milestones.append(Milestone(due, "release", str(item["title"])))
    return Calendar(tuple(sorted(set(milestones))), (), (label,))


def jira_versions(items: Iterable[Mapping[str, Any]], label: str = "jira versions") -> Calendar:
    """Jira versions (GET /rest/api/2/project/{key}/versions, or issues' fixVersions)."""
    milestones: list[Milestone] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or "name" not in item:
            raise CalendarError(f"{label}: item {i} is not a Jira version (no name)")
        if item.get("archived"):
            continue
        day = _when(item.get("releaseDate"), f"{label}: item {i} releaseDate")
        if day is not None:
            milestones.append(Milestone(day, "release", str(item["name"])))
    return Calendar(tuple(sorted(set(milestones))), (), (label,))


def jira_issue_fix_versions(page: Mapping[str, Any], label: str = "jira issues") -> Calendar:
    """The fix versions named on a Jira search page's issues, with their release dates."""
    versions: list[Mapping[str, Any]] = []
    issues = page.get("issues") or []
    if not isinstance(issues, list):
        raise CalendarError(f"{label}: issues: expected a list of Jira issues")
    for i, issue in enumerate(issues):
        fields = issue.get("fields") if isinstance(issue, Mapping) else None
        if not isinstance(fields, Mapping):
            raise CalendarError(f"{label}: issues[{i}].fields: expected a Jira issue's fields")
        fix = fields.get("fixVersions") or []
        if not isinstance(fix, list):
            raise CalendarError(f"{label}: issues[{i}].fields.fixVersions: expected a list")
        versions.extend(fix)
    return jira_versions(versions, label)
