"""`hotgate report`: hotfix figures per release, month, source and component, as HTML and PNG."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from hotgate.cli.app import PolicyOption, app, counted, err, fail, out, policy_from, say
from hotgate.reports.decision_files import ReadTally, ReportInputError, read_decisions
from hotgate.reports.figures import figures


def _from_store(policy_path: Path | None) -> tuple[pl.DataFrame, str]:
    """Decisions and their review states from the store (HOTGATE_DATABASE_URL or hotgate.db)."""
    from hotgate import store
    from hotgate.reports.from_store import store_decisions

    url = store.default_database_url(policy_path)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        fail(
            f"{url}: no store here; give --from FILE (decisions as JSON Lines) "
            "or set HOTGATE_DATABASE_URL"
        )
    engine = store.make_engine(url)
    try:
        return store_decisions(engine), "the store"
    except ReportInputError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


@app.command()
def report(
    from_path: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Decisions file (JSON Lines from `hotgate triage --format jsonl`, maybe "
            "with review states); default: the store.",
        ),
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Directory for report.html, figures.json and the PNG charts."),
    ] = Path("hotgate-report"),
    policy_path: PolicyOption = None,
) -> None:
    """Report hotfixes per release and month, by verdict, source and component; check the budget."""
    policy = policy_from(policy_path)
    tally = ReadTally()
    if from_path is None:
        frame, source = _from_store(policy_path)
    else:
        try:
            frame, source = read_decisions(from_path, tally), str(from_path)
        except ReportInputError as exc:
            fail(str(exc))
    for reason in tally.skipped[:20]:
        say(f"skipped {reason}")
    if frame.is_empty():
        fail(f"{source}: no decisions to report on")
    budget = policy.reports.hotfix_budget_per_release
    data = figures(frame, budget)
    from hotgate.reports.render import write_report

    written = write_report(data, out_dir, source, date.today())
    trouble = data["trouble"]
    share = trouble["share_of_hotfixes"]
    out.print(
        f"{data['decisions']} decisions, {trouble['hotfixes']} hotfixes; "
        f"{trouble['troubled']} rolled back or regressed"
        + (f" ({share:.0%})." if share is not None else ".")
    )
    for warning in data["warnings"]:
        out.print(f"[bold yellow]Warning:[/] {warning}")
    out.print(f"Wrote {', '.join(str(p) for p in written)}")
    if tally.skipped:
        skipped = counted(len(tally.skipped), "bad record")
        err.print(f"hotgate: reported on {tally.read} decisions, skipped {skipped}")
        raise typer.Exit(2)
