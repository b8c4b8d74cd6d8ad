"""Release schedules as projects publish them: Kubernetes patches, Firefox product-details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hotgate.policy.deciding.calendar import Calendar, CalendarError, Milestone


def _day(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CalendarError(f"{where}: {value!r} is not a date")
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise CalendarError(f"{where}: {value!r} is not a date") from None


def kubernetes_calendar(data: Mapping[str, Any], label: str) -> Calendar:
    """A Kubernetes patch schedule: targetDate is the release, cherryPickDeadline its freeze."""
    milestones: list[Milestone] = []
    schedules = data.get("schedules") or []
    if not isinstance(schedules, list):
        raise CalendarError(f"{label}: schedules: expected a list of release branches")
    for i, branch in enumerate(schedules):
        if not isinstance(branch, Mapping):
            raise CalendarError(f"{label}: schedules[{i}]: expected a release branch (a mapping)")
        previous = branch.get("previousPatches") or []
        if not isinstance(previous, list):
            raise CalendarError(f"{label}: schedules[{i}].previousPatches: expected a list")
        patches = [branch.get("next"), *previous]
        for j, patch in enumerate(p for p in patches if isinstance(p, Mapping)):
            where = f"{label}: schedules[{i}] patch {j}"
            name = str(patch.get("release") or branch.get("release") or "?")
            target = _day(patch.get("targetDate"), f"{where} targetDate")
            if target is None:
                continue
            milestones.append(Milestone(target, "release", name))
            deadline = _day(patch.get("cherryPickDeadline"), f"{where} cherryPickDeadline")
            if deadline is not None:
                milestones.append(
                    Milestone(deadline, "freeze", f"{name} cherry-pick deadline", name)
                )
    if not milestones:
        raise CalendarError(f"{label}: no schedules with a targetDate")
    return Calendar(tuple(sorted(set(milestones))), (), (label,))


def firefox_calendar(data: Mapping[str, Any], label: str) -> Calendar:
    """Firefox product-details: firefox_releases.json, or a version-to-date map."""
    milestones: list[Milestone] = []
    releases = data.get("releases")
    if isinstance(releases, Mapping):
        for key, item in releases.items():
            if not isinstance(item, Mapping) or item.get("category") == "dev":
                continue  # betas and nightlies are not releases users get
            day = _day(item.get("date"), f"{label}: releases.{key}.date")
            if day is not None:
                milestones.append(Milestone(day, "release", str(key)))
    else:
        for version, value in data.items():
            day = _day(value, f"{label}: {version}")
            if day is not None:
                milestones.append(Milestone(day, "release", f"Firefox {version}"))
    if not milestones:
        raise CalendarError(f"{label}: no Firefox releases with dates")
    return Calendar(tuple(sorted(set(milestones))), (), (label,))
