"""`hotgate assess` and `hotgate triage`: decisions for one subject or a whole backlog."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import polars as pl
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hotgate import service
from hotgate.cli.app import (
    AsOfOption,
    CalendarOption,
    NextReleaseOption,
    PolicyOption,
    app,
    context_from,
    err,
    fail,
    guarded,
    input_errors,
    out,
    policy_from,
    say,
)
from hotgate.cli.card import decision_card, ranked_table
from hotgate.cli.change_view import change_csv, print_change_table
from hotgate.cli.service_commands import DbOption, RecordOption, recording
from hotgate.model import Decision
from hotgate.policy.engine import VERDICT_RANK

T = TypeVar("T")


class AssessFormat(StrEnum):
    """Output formats of assess."""

    text = "text"
    json = "json"


class TriageFormat(StrEnum):
    """Output formats of triage."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def decision_json(decision: Decision) -> bytes:
    """One decision as a JSON object."""
    return orjson.dumps(decision.model_dump(mode="json"))


@app.command()
def assess(
    subject: Annotated[
        str, typer.Argument(help="A file holding one bug, or - for standard input.")
    ],
    fmt: Annotated[
        AssessFormat,
        typer.Option("--format", help="text: a decision card; json: the decision object."),
    ] = AssessFormat.text,
    policy_path: PolicyOption = None,
    as_of: AsOfOption = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
    record: RecordOption = True,
    db: DbOption = None,
) -> None:
    """Decide one bug: hotfix, wait, no-hotfix or needs-info, and why."""
    policy = policy_from(policy_path)
    context = context_from(as_of, next_release, policy, calendar)
    # read before the store is opened, so bad input leaves no database behind
    item = guarded(lambda: service.read_one(subject))
    with recording(record, db, policy_path, policy, context) as recorder:
        trouble = recorder.area_trouble() if recorder is not None else None
        decision = guarded(lambda: service.decide_one(item, policy, context, trouble))
        if recorder is not None:
            recorder.record([decision])
    if fmt is AssessFormat.json:
        out.file.write(
            orjson.dumps(decision.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode()
            + "\n"
        )
    else:
        out.print(decision_card(decision))


@app.command()
def triage(
    source: Annotated[
        str,
        typer.Argument(
            help="A file or folder of bugs (JSON, JSON Lines, YAML or a tracker's page), or -."
        ),
    ],
    fmt: Annotated[
        TriageFormat,
        typer.Option("--format", help="table, json, jsonl (one decision per line) or csv."),
    ] = TriageFormat.table,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write here instead of standard output; written whole or not at all."
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows in the table (0: all).", min=0)] = 50,
    policy_path: PolicyOption = None,
    as_of: AsOfOption = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
    record: RecordOption = True,
    db: DbOption = None,
) -> None:
    """Decide every bug in a backlog and rank them: hotfixes first."""
    policy = policy_from(policy_path)
    context = context_from(as_of, next_release, policy, calendar)
    tally = service.Tally()
    with (
        recording(record, db, policy_path, policy, context) as recorder,
        input_errors(),
        _progress(source) as progress,
    ):
        if fmt is TriageFormat.jsonl:
            lines = (
                decision_json(d) + b"\n"
                for d in service.triage_decisions(source, policy, context, tally, recorder=recorder)
            )
            _write(out_path, _tick(lines, progress))
        elif fmt is TriageFormat.json:
            decisions = sorted(
                _tick(
                    service.triage_decisions(source, policy, context, tally, recorder=recorder),
                    progress,
                ),
                key=lambda d: (VERDICT_RANK[d.verdict], -d.risk.cost_of_waiting, d.subject.key),
            )
            body = orjson.dumps(
                [d.model_dump(mode="json") for d in decisions], option=orjson.OPT_INDENT_2
            )
            _write(out_path, iter([body, b"\n"]))
        else:
            task = progress.add_task("Deciding", total=None)
            summary = service.triage_summary(
                source,
                policy,
                context,
                tally,
                on_batch=lambda n: progress.advance(task, n),
                recorder=recorder,
            )
            changes = service.change_summary(policy, context, tally, recorder)
            if fmt is TriageFormat.csv:
                issues_csv = _csv(summary) if not summary.is_empty() else b""
                _write(out_path, iter([issues_csv, change_csv(changes)]))
            else:
                if not summary.is_empty() or changes.is_empty():
                    _print_table(summary, limit, out_path)
                print_change_table(changes, limit)
    _report(tally)


def _print_table(summary: pl.DataFrame, limit: int, out_path: Path | None) -> None:
    if summary.is_empty():
        err.print("No issues to decide.")
        return
    table = ranked_table(summary, limit)
    if out_path is not None:
        buffer = io.StringIO()
        from rich.console import Console

        Console(file=buffer, width=160).print(table)
        _write(out_path, iter([buffer.getvalue().encode()]))
    else:
        out.print(table)
    if limit and summary.height > limit:
        out.print(
            f"Showing the first {limit} of {summary.height}; "
            "--limit 0 shows all, --format csv exports them."
        )
    counts = summary["verdict"].value_counts(sort=True)
    line = ", ".join(f"{row['verdict']}: {row['count']}" for row in counts.iter_rows(named=True))
    out.print(f"Decided {summary.height} issues — {line}.")


def _csv(summary: pl.DataFrame) -> bytes:
    columns = [c for c in service.SUMMARY_COLUMNS if not c.startswith("_") and c != "severity"]
    renamed = (
        summary.select(columns)
        .rename({c: c.removesuffix("__answer") for c in columns if c.endswith("__answer")})
        .rename({"severity_level": "severity"})
    )
    return renamed.write_csv().encode()


def _write(out_path: Path | None, chunks: Iterator[bytes]) -> None:
    """Write to standard output, or to a file that appears only once complete."""
    if out_path is None:
        for chunk in chunks:
            out.file.write(chunk.decode())
        out.file.flush()
        return
    if out_path.exists() and not out_path.is_file():
        # A device or pipe (/dev/null, /dev/stdout): write to it, never replace it.
        with out_path.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        return
    directory = out_path.resolve().parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{out_path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _progress(source: str) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description} {task.completed:,} issues"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal
        or (source != "-" and Path(source).is_file() and Path(source).stat().st_size < 5_000_000),
    )


def _tick(items: Iterator[T], progress: Progress) -> Iterator[T]:
    task = progress.add_task("Deciding", total=None)
    for item in items:
        progress.advance(task)
        yield item


def _report(tally: service.Tally) -> None:
    for skipped in tally.skipped[:20]:
        say(f"skipped {skipped}")
    if len(tally.skipped) > 20:
        say(f"… and {len(tally.skipped) - 20} more skipped records")
    if tally.ignored:
        noun = (
            "record that is not an issue" if tally.ignored == 1 else "records that are not issues"
        )
        say(f"ignored {tally.ignored} {noun} (pull requests)")
    if tally.skipped:
        say(f"decided {tally.decided}, skipped {len(tally.skipped)} bad records")
        raise typer.Exit(2)
    if tally.decided == 0:
        fail("no issues found to decide")
