"""`hotgate sync`: keep the store current with the trackers named in the sources file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hotgate import service
from hotgate.cli.app import (
    AsOfOption,
    CalendarOption,
    NextReleaseOption,
    PolicyOption,
    app,
    context_from,
    fail,
    input_errors,
    out,
    policy_from,
    say,
)
from hotgate.cli.service_commands import DbOption, database_url
from hotgate.sources.base import SourceError
from hotgate.sync import DEFAULT_FILE

if TYPE_CHECKING:
    from hotgate.sync.run import SyncReport


@app.command()
def sync(
    config: Annotated[
        Path | None,
        typer.Option("--config", help=f"Sources file (default: ./{DEFAULT_FILE})."),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--source", help="Sync only the source of this name (repeatable)."),
    ] = None,
    policy_path: PolicyOption = None,
    as_of: AsOfOption = None,
    next_release: NextReleaseOption = None,
    calendar: CalendarOption = None,
    db: DbOption = None,
) -> None:
    """Pull what changed at each tracker since the last sync, decide it and record it."""
    # the connectors and the store load for this command, not for every command
    from hotgate import store
    from hotgate.sync.config import load_sources
    from hotgate.sync.run import sync_source

    policy = policy_from(policy_path)
    context = context_from(as_of, next_release, policy, calendar)
    with input_errors():
        sources = load_sources(config).sources
        if only:
            unknown = sorted(set(only) - {s.name for s in sources})
            if unknown:
                fail(f"no source named {', '.join(unknown)} in the sources file")
            sources = [s for s in sources if s.name in only]
        if not sources:
            fail("the sources file lists no sources to sync")
        # Every source's settings are checked before the database is touched.
        connectors = [source.connector() for source in sources]
        # migrated once, as every command that records does (waiting for a concurrent run)
        engine = service.open_store(database_url(db, policy_path))
        sessions = store.session_factory(engine)
        reports, failed = [], 0
        try:
            for source, connector in zip(sources, connectors, strict=True):
                try:
                    reports.append(sync_source(source, sessions, policy, context, connector))
                except SourceError as exc:
                    # What was committed stays, with its cursor; the other sources still sync.
                    say(f"{source.name}: {exc}")
                    failed += 1
                    continue
                _print(reports[-1])
        finally:
            engine.dispose()
    if failed or any(r.skipped or r.posted.failed for r in reports):
        raise typer.Exit(2)


def _print(report: SyncReport) -> None:
    out.print(
        f"{report.source}: {report.pulled} pulled in {report.pages} pages — "
        f"{report.inserted} new, {report.updated} changed, {report.unchanged} unchanged; "
        f"{report.decided} decided, {report.verdicts_changed} verdicts changed",
        markup=False,
    )
    posted = report.posted
    if posted.comments or posted.labels or posted.already:
        out.print(
            f"{report.source}: posted {posted.comments} comments and {posted.labels} labels "
            f"({posted.already} already posted)",
            markup=False,
        )
    for skipped in report.skipped[:20]:
        say(f"skipped {skipped}")
    for failure in report.posted.failed[:20]:
        say(f"could not write back {failure}")
