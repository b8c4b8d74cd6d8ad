"""`hotgate calendar`: the upcoming releases, freezes and blackouts."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from hotgate.cli.app import (
    AsOfOption,
    CalendarOption,
    PolicyOption,
    app,
    guarded,
    out,
    parse_day,
    policy_from,
)
from hotgate.policy.deciding.calendar import (
    Calendar,
    Milestone,
    blackout_on,
    freeze_in_effect,
    next_release,
    timing_release,
    upcoming,
)


class CalendarFormat(StrEnum):
    """Output formats of calendar."""

    text = "text"
    json = "json"


def _milestone(m: Milestone, as_of: date) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": m.name,
        "date": m.day.isoformat(),
        "days_until": (m.day - as_of).days,
    }
    if m.kind == "freeze":
        item["release"] = m.release
    return item


def calendar_summary(calendar: Calendar, as_of: date, limit: int) -> dict[str, Any]:
    """The calendar as plain data: next release, the timing date, freezes, releases, blackouts."""
    nxt = next_release(calendar, as_of)
    timing = timing_release(calendar, as_of)
    # --limit counts releases and freezes together: the table lists that many rows.
    ahead = upcoming(calendar, as_of)[:limit]
    current = freeze_in_effect(calendar, as_of)
    freezes = [_milestone(m, as_of) | {"in_effect": False} for m in ahead if m.kind == "freeze"]
    if current is not None:
        freezes.insert(0, _milestone(current, as_of) | {"in_effect": True})
    active = blackout_on(calendar, as_of)
    return {
        "as_of": as_of.isoformat(),
        "next_release": nxt.model_dump(mode="json", exclude={"kind"}) if nxt else None,
        "timing": timing.model_dump(mode="json") if timing else None,
        "freezes": freezes,
        "releases": [_milestone(m, as_of) for m in ahead if m.kind == "release"],
        "blackouts": [
            {
                "name": b.name,
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "because": b.because,
                "active": b is active,
            }
            for b in calendar.blackouts
            if b.end >= as_of
        ],
        "sources": list(calendar.sources),
    }


def _text(summary: dict[str, Any]) -> None:
    nxt = summary["next_release"]
    if nxt is None:
        out.print(f"No release known on or after {summary['as_of']}: give --calendar FILE|URL.")
    else:
        out.print(
            f"Next release: [bold]{escape(nxt['name'])}[/] on {nxt['date']}, "
            f"in {nxt['days_until']} day(s)."
        )
    timing = summary["timing"]
    if timing and timing["kind"] == "freeze":
        out.print(
            f"Its freeze begins on {timing['date']}, in {timing['days_until']} day(s): "
            "the timing rule counts from there."
        )
    for freeze in summary["freezes"]:
        if freeze["in_effect"]:
            out.print(f"A freeze is in effect since {freeze['date']} ({escape(freeze['name'])}).")
    for b in summary["blackouts"]:
        state = "[bold]in effect now[/]" if b["active"] else "ahead"
        out.print(
            f"Blackout {escape(b['name'])}: {b['start']} to {b['end']} ({state}) — "
            "no hotfix unless an override applies."
        )
    rows = sorted(
        [(r, "release") for r in summary["releases"]]
        + [(f, "freeze") for f in summary["freezes"] if not f["in_effect"]],
        key=lambda pair: (pair[0]["date"], pair[1]),
    )
    if rows:
        table = Table(
            "date", "in days", "kind", "name", title=f"Upcoming, as of {summary['as_of']}"
        )
        for item, kind in rows:
            table.add_row(item["date"], str(item["days_until"]), kind, escape(item["name"]))
        out.print(table)


@app.command("calendar")
def calendar_command(
    calendar: CalendarOption = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        CalendarFormat, typer.Option("--format", help="text: a table; json: plain data.")
    ] = CalendarFormat.text,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", help="How many upcoming releases and freezes to list, together.", min=1
        ),
    ] = 10,
    policy_path: PolicyOption = None,
) -> None:
    """List the upcoming releases, freezes and blackout windows."""
    from hotgate.calendars import calendar_for

    policy = policy_from(policy_path)
    day = parse_day(as_of, "--as-of") or date.today()
    merged = guarded(lambda: calendar_for(policy, calendar or [], day))
    summary = calendar_summary(merged, day, limit)
    if fmt is CalendarFormat.json:
        out.file.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _text(summary)
