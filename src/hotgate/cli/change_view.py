"""Rendering decided change requests for people: a ranked table and a CSV export."""

from __future__ import annotations

import csv
import io

import polars as pl
from rich.table import Table
from rich.text import Text

from hotgate.cli.app import out
from hotgate.cli.card import ANSWER_MARK, VERDICT_STYLE


def change_table(summary: pl.DataFrame, limit: int) -> Table:
    """The ranked change requests as a table, at most `limit` rows (0: all)."""
    table = Table(
        title="hotgate triage — change requests", title_justify="left", header_style="bold"
    )
    for name, justify in (
        ("#", "right"),
        ("Verdict", "left"),
        ("Key", "left"),
        ("Title", "left"),
        ("Simple", "center"),
        ("Needed", "center"),
        ("Safe", "center"),
        ("Cost", "right"),
        ("Risk", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    rows = summary if not limit else summary.head(limit)
    for number, row in enumerate(rows.iter_rows(named=True), start=1):
        style, _ = VERDICT_STYLE[row["verdict"]]
        marks = [
            Text(ANSWER_MARK[row[f"{c}__answer"]][0], style=ANSWER_MARK[row[f"{c}__answer"]][1])
            for c in ("simple", "needed", "safe")
        ]
        title = row["title"] if len(row["title"]) <= 60 else row["title"][:59] + "…"
        table.add_row(
            str(number),
            Text(row["verdict"], style=style),
            row["key"],
            Text(title),
            *marks,
            f"{row['cost_of_waiting']:g}",
            f"{row['risk_of_hotfix']:g}",
        )
    return table


def print_change_table(summary: pl.DataFrame, limit: int) -> None:
    """Print the change requests' table and a count by verdict; nothing when there are none."""
    if summary.is_empty():
        return
    out.print(change_table(summary, limit))
    counts = summary["verdict"].value_counts(sort=True)
    line = ", ".join(f"{row['verdict']}: {row['count']}" for row in counts.iter_rows(named=True))
    out.print(f"Decided {summary.height} change requests — {line}.")


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
