"""Rendering decided change requests for people: a ranked table and a CSV export."""

from __future__ import annotations

import csv
import io

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotgate.cli.card import ranked_table
from hotgate.policy.definition.schema import Policy

CHANGE_COLUMNS = (("simple", "Simple"), ("needed", "Needed"), ("safe", "Safe"))


def change_table(summary: pl.DataFrame, limit: int, width: int = 160) -> Table:
    """The ranked change requests as a table, at most `limit` rows (0: all), `width` wide."""
    title = "hotgate triage — change requests"
    return ranked_table(summary, limit, CHANGE_COLUMNS, title=title, severity=False, width=width)


def print_change_table(console: Console, summary: pl.DataFrame, limit: int) -> None:
    """Print the change requests' table and a count by verdict; nothing when there are none."""
    if summary.is_empty():
        return
    console.print(change_table(summary, limit, console.width))
    console.print(f"Decided {summary.height} change requests — {verdict_counts(summary)}.")


def verdict_counts(summary: pl.DataFrame) -> str:
    """How many of each verdict, the most common first: "hotfix: 3, wait: 1"."""
    counts = summary["verdict"].value_counts(sort=True)
    return ", ".join(f"{row['verdict']}: {row['count']}" for row in counts.iter_rows(named=True))


def change_csv(summary: pl.DataFrame) -> bytes:
    """The change requests' decisions as CSV, one row each; empty when there are none."""
    if summary.is_empty():
        return b""
    renamed = summary.rename({c: c.removesuffix("__answer") for c in summary.columns})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(renamed.columns)
    writer.writerows(renamed.iter_rows())
    return buffer.getvalue().encode()


def lane_checklist(policy: Policy) -> str:
    """The content lane and the fix lane in plain words, for `hotgate policy show`."""
    lines: list[str] = []
    lane = policy.changes
    if lane is not None:
        lines.append(
            "\n[bold]5. Content lane[/] — a site change request (banner, image, stock level, "
            "shipping notice, template content) ships as a hotfix when it is simple, needed "
            "and safe:"
        )
        for number, (name, criterion) in enumerate(lane.criteria.items(), start=1):
            lines.append(f"\n   [bold]{number}. {escape(criterion.title)}[/] ({name})")
            lines.extend(f"      ☐ {escape(q)}" for q in criterion.questions)
            for rule in criterion.rules:
                lines.append(
                    f"        → {rule.answer.upper():3} {escape(rule.name)}: {escape(rule.because)}"
                    f"\n              when: {escape(rule.when)}"
                )
        lines.append(
            f"\n   Simple kinds: {', '.join(lane.simple_kinds)}; at most {lane.limits.pages} "
            f"page(s) and {lane.limits.files} file(s)."
        )
        lines.append("   Approved templates:")
        for name, template in lane.templates.items():
            paths = ", ".join(template.paths) or "no files"
            lines.append(
                f"     • {escape(name)} — {escape(template.title)}: allows "
                f"{', '.join(template.allows)} ({escape(paths)})"
            )
        lines.append("   Protected areas (never in the content lane):")
        for name, area in lane.protected_areas.items():
            lines.append(f"     • {escape(name)}: {escape(', '.join(area.paths) or 'named only')}")
        lines.append(
            "   Code is never content: "
            + escape(", ".join(lane.files.code_tags))
            + ". Content: "
            + escape(", ".join([*lane.files.content, *lane.files.content_tags]))
            + "."
        )
        when = lane.timing.wait_when
        plain = "the next release comes out on or before the date it is needed"
        lines.append(
            "   Timing: a change that qualifies waits when "
            + (plain if when == "release_first" else escape(when))
            + "; otherwise it ships now."
        )
    fix = policy.fix_lane
    lines.append(
        f"\n[bold]6. Fix lane[/] (hotgate check-diff --lane fix) — at most {fix.max_lines} changed "
        f"lines and {fix.max_files} files; "
        + ("tests added or changed; " if fix.require_tests else "")
        + "no generated, vendored or lock files"
        + (f" except {escape(', '.join(fix.allow))}" if fix.allow else "")
        + "."
    )
    return "\n".join(lines)
