"""`hotgate assess` and `hotgate triage`: decisions for one subject or a whole backlog."""

from __future__ import annotations

import atexit
import io
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import orjson
import polars as pl
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hotgate import service
from hotgate.cli.app import (
    AsOfOption,
    CalendarOption,
    NextReleaseOption,
    PolicyOption,
    app,
    context_from,
    counted,
    err,
    fail,
    guarded,
    input_errors,
    out,
    policy_from,
    reader_gone,
    say,
)
from hotgate.cli.card import decision_card, ranked_table
from hotgate.cli.change_view import change_csv, print_change_table, verdict_counts
from hotgate.cli.service_commands import DbOption, RecordOption, recording
from hotgate.model import Decision
from hotgate.policy.deciding.columns import ranked_json
from hotgate.sources.base import Origin, Skipped, SourceError
from hotgate.sources.mapped import parse_columns
from hotgate.sources.named import read_items
from hotgate.sources.reader import Item

HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="The tracker's host, for keys and links when the file does not name it "
        "(a Bugzilla REST answer, a Jira export), e.g. bugzilla.mozilla.org.",
    ),
]

ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Read an export of a tracker hotgate does not know: FIELD=COLUMN pairs "
        "(title=Summary,body=Description,labels=Tags,key=ID …) or a YAML file of them.",
    ),
]

T = TypeVar("T")


def columns_from(spec: str | None) -> tuple[tuple[str, str], ...] | None:
    """The --columns mapping, or None; a bad mapping stops the run with exit code 2."""
    if spec is None:
        return None
    try:
        return parse_columns(spec)
    except SourceError as exc:
        fail(str(exc))


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
    host: HostOption = None,
    columns: ColumnsOption = None,
    record: RecordOption = True,
    db: DbOption = None,
) -> None:
    """Decide one bug: hotfix, wait, no-hotfix or needs-info, and why."""
    policy = policy_from(policy_path)
    context = context_from(as_of, next_release, policy, calendar)
    # read before the store is opened, so bad input leaves no database behind
    origin = Origin(host=host, columns=columns_from(columns))
    item = guarded(lambda: service.read_one(subject, origin))
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
        typer.Option(
            "--format", help="table, json, jsonl (one decision per line, in input order) or csv."
        ),
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
    host: HostOption = None,
    columns: ColumnsOption = None,
    record: RecordOption = True,
    db: DbOption = None,
) -> None:
    """Decide every bug in a backlog and rank them: hotfixes first."""
    _check_out(out_path)
    origin = Origin(host=host, columns=columns_from(columns))
    policy = policy_from(policy_path)
    context = context_from(as_of, next_release, policy, calendar)
    tally = service.Tally()
    # Input that cannot be read stops here, before a database or an output file is made.
    items, subjects = guarded(lambda: _primed(read_items(source, origin)))
    decided = lambda: tally.decided > 0  # noqa: E731 - read once the run has ended
    with (
        recording(record and subjects, db, policy_path, policy, context) as recorder,
        input_errors(),
        _progress(source) as progress,
    ):
        if fmt in {TriageFormat.jsonl, TriageFormat.json}:
            blocks = _tick_blocks(
                service.triage_lines(source, policy, context, tally, origin, recorder, items),
                progress,
            )
            if fmt is TriageFormat.jsonl:
                _write(out_path, blocks, decided)
            else:
                _write(out_path, ranked_json(service.ranked_entries_of(blocks)), decided)
        else:
            task = progress.add_task("Deciding", total=None)
            summary = service.triage_summary(
                source,
                policy,
                context,
                tally,
                origin,
                on_batch=lambda n: progress.advance(task, n),
                recorder=recorder,
                items=items,
            )
            changes = service.change_summary(policy, context, tally, recorder)
            if fmt is TriageFormat.csv:
                issues_csv = _csv(summary) if not summary.is_empty() else b""
                _write(out_path, iter([issues_csv, change_csv(changes)]), decided)
            else:
                # With --out, the tables and their counts go to the file, whole, as on screen.
                buffer = io.StringIO()
                console = Console(file=buffer, width=160) if out_path is not None else out
                # A closed pipe ends the run through the console (app._Output.on_broken_pipe).
                if not summary.is_empty() or changes.is_empty():
                    _print_table(console, summary, limit)
                print_change_table(console, changes, limit)
                if out_path is not None:
                    _write(out_path, iter([buffer.getvalue().encode()]), decided)
    _report(tally)


def _print_table(console: Console, summary: pl.DataFrame, limit: int) -> None:
    if summary.is_empty():  # the run ends with "no issues found to decide" (_report)
        return
    console.print(ranked_table(summary, limit, width=console.width))
    if limit and summary.height > limit:
        console.print(
            f"Showing the first {limit} of {summary.height}; "
            "--limit 0 shows all, --format csv exports them."
        )
    console.print(f"Decided {summary.height} issues — {verdict_counts(summary)}.")


def _csv(summary: pl.DataFrame) -> bytes:
    columns = [c for c in service.SUMMARY_COLUMNS if not c.startswith("_") and c != "severity"]
    renamed = (
        summary.select(columns)
        .rename({c: c.removesuffix("__answer") for c in columns if c.endswith("__answer")})
        .rename({"severity_level": "severity"})
    )
    return renamed.write_csv().encode()


def _primed(items: Iterator[Item]) -> tuple[Iterator[Item], bool]:
    """The items with the first read already, and whether any is a subject (not skipped).

    Reading starts here so that a file that cannot be read fails before anything is made.
    """
    seen: list[Item] = []
    for item in items:
        seen.append(item)
        if not isinstance(item, Skipped):
            return itertools.chain(seen, items), True
    return iter(seen), False


def _check_out(out_path: Path | None) -> None:
    """Exit 2 with a one-line reason, before any deciding, when --out cannot be written."""
    if out_path is None:
        return
    if out_path.is_dir():
        fail(f"--out {out_path}: is a folder; name a file to write")
    folder = out_path.resolve().parent
    if not folder.is_dir():
        fail(f"--out {out_path}: the folder {folder} does not exist")
    if not out_path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        fail(f"--out {out_path}: cannot write in the folder {folder}")


def _write(
    out_path: Path | None, chunks: Iterator[bytes], keep: Callable[[], bool] = lambda: True
) -> None:
    """Write to standard output, or to a file that appears only once complete.

    The file is made as any new file is (the umask decides its mode), and only when `keep`
    says the run produced something: a failed run leaves no empty file behind. A write that
    fails (a full disk) exits 2 with a one-line reason; a reader that went away (`| head`)
    ends the run quietly with PIPE_CLOSED. Either way the run records nothing.
    """
    try:
        _write_to(out_path, chunks, keep)
    except _OutputError as failed:
        where = "standard output" if out_path is None else str(out_path)
        fail(f"cannot write {where}: {failed.error.strerror or failed.error}")


class _OutputError(Exception):
    """An OSError from writing the output (not from reading or deciding, which run between)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _put(write: Callable[[], object]) -> None:
    """One write of the output: a closed pipe ends the run quietly (app.reader_gone), any
    other OSError is an _OutputError."""
    try:
        write()
    except BrokenPipeError:
        reader_gone()
    except OSError as exc:
        raise _OutputError(exc) from None


def _write_to(out_path: Path | None, chunks: Iterator[bytes], keep: Callable[[], bool]) -> None:
    if out_path is None:
        for chunk in chunks:
            _put(partial(out.file.write, chunk.decode()))
        _put(out.file.flush)
        return
    if out_path.exists() and not out_path.is_file():
        # A device or pipe (/dev/null, /dev/stdout): write to it, never replace it.
        with out_path.open("wb") as handle:
            for chunk in chunks:
                _put(partial(handle.write, chunk))
            _put(handle.flush)
        return
    directory = out_path.resolve().parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{out_path.name}.")
    leftover = Path(temporary)

    def remove() -> None:
        leftover.unlink(missing_ok=True)

    # At exit too: one Ctrl-C can interrupt twice (polars raises it in a query, Python again),
    # and the second may cut the cleanup below short.
    atexit.register(remove)
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                _put(partial(handle.write, chunk))
            _put(handle.flush)
        if keep():
            os.chmod(temporary, _new_file_mode(out_path))
            _put(partial(os.replace, temporary, out_path))
    except BaseException:
        remove()
        raise
    remove()  # nothing left to remove once the file is in place
    atexit.unregister(remove)


def _new_file_mode(path: Path) -> int:
    """The mode a file gets: the one it has when it exists, else 0666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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


def _tick_blocks(blocks: Iterator[bytes], progress: Progress) -> Iterator[bytes]:
    """Blocks of JSON Lines passed through, the progress advanced by their decisions."""
    task = progress.add_task("Deciding", total=None)
    for block in blocks:
        progress.advance(task, block.count(b"\n"))
        yield block


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
        files = sum(1 for skipped in tally.skipped if skipped.whole_file)
        records = len(tally.skipped) - files
        parts = [counted(records, "bad record")] if records else []
        if files:
            parts.append(f"{counted(files, 'file')} it could not read")
        say(f"decided {tally.decided}, skipped {' and '.join(parts)}")
        raise typer.Exit(2)
    if tally.decided == 0:
        fail("no issues found to decide")
