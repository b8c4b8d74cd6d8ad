"""`hotgate backtest`: replay past issues under the current policy and compare with history."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from hotgate.cli.app import (
    AsOfOption,
    PolicyOption,
    app,
    fail,
    out,
    parse_day,
    policy_file,
    policy_from,
)
from hotgate.history.backtest import (
    ACCEPTED,
    REJECTED,
    UNDECIDED,
    BacktestError,
    Scores,
    disagreements,
    issue_frame,
    load_mapping,
    read_history,
    replay,
    scores,
)
from hotgate.history.comparison_view import print_comparison


class BacktestFormat(StrEnum):
    """Output formats of backtest."""

    text = "text"
    json = "json"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _print(label: str, result: Scores, worst: list[dict[str, Any]]) -> None:
    out.print(f"[bold]Backtest of {escape(label)}[/]: {result.rows} past issues replayed.")
    table = Table(
        "history \\ policy", ACCEPTED, REJECTED, UNDECIDED, "total", title="Confusion matrix"
    )
    for actual, row in result.confusion.items():
        table.add_row(
            actual, *(str(row[p]) for p in (ACCEPTED, REJECTED, UNDECIDED)), str(sum(row.values()))
        )
    out.print(table)
    out.print(
        "Policy verdicts: hotfix and wait count as accepted, no-hotfix as rejected; "
        "needs-info is kept apart."
    )
    for actual, value in result.recall.items():
        out.print(f"Recall of {actual} (decided rows): {_pct(value)}")
    out.print(f"Balanced accuracy (decided rows): {_pct(result.balanced_accuracy)}")
    out.print(
        f"Balanced accuracy (needs-info counted as a miss): {_pct(result.balanced_accuracy_strict)}"
    )
    out.print(
        "ROC AUC of the risk of the hotfix as a score for rejection: "
        + ("n/a" if result.risk_auc is None else f"{result.risk_auc:.3f}")
    )
    share = result.undecided / result.rows if result.rows else 0.0
    unknown = ", ".join(f"{name} {count}" for name, count in result.unknown_criteria.items())
    out.print(
        f"Undecided (needs-info): {result.undecided} of {result.rows} ({share:.1%}); "
        f"unknown criteria: {unknown}."
    )
    if worst:
        table = Table(
            "key",
            "component",
            "history",
            "policy",
            "criteria (answer:rule)",
            "cost",
            "risk",
            title="Where policy and history disagree most",
        )
        for case in worst:
            table.add_row(
                escape(case["key"]),
                escape(str(case["component"] or "")),
                case["actual"],
                case["verdict"],
                escape(case["rules"]),
                f"{case['cost_of_waiting']:g}",
                f"{case['risk_of_hotfix']:g}",
            )
        out.print(table)
    else:
        out.print("Policy and history agree on every decided case.")


@app.command()
def backtest(
    history: Annotated[
        list[Path],
        typer.Argument(help="Past issues with their real outcome: CSV, JSON Lines or Parquet."),
    ],
    mapping_path: Annotated[
        Path | None,
        typer.Option(
            "--mapping", help="YAML file mapping the history's columns to hotgate's fields."
        ),
    ] = None,
    fmt: Annotated[
        BacktestFormat, typer.Option("--format", help="text: tables; json: plain data.")
    ] = BacktestFormat.text,
    top: Annotated[int, typer.Option("--top", help="How many disagreements to list.", min=0)] = 10,
    policy_path: PolicyOption = None,
    as_of: AsOfOption = None,
    folds: Annotated[
        int | None,
        typer.Option(
            "--cross-validate",
            help="Learn a policy on K-1 folds, test it on the K-th; beside a baseline.",
            min=2,
        ),
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option("--train", help="Learn a policy on this history, test it on HISTORY."),
    ] = None,
) -> None:
    """Replay past issues under the policy and compare with what was actually done."""
    policy = policy_from(policy_path)
    if folds is not None or train is not None:
        _learned_backtest(history, mapping_path, policy_path, as_of, folds, train, fmt)
        return
    criteria = policy.criterion_names()
    results: list[dict[str, Any]] = []
    try:
        mapping = load_mapping(mapping_path)
        day = parse_day(as_of, "--as-of") or mapping.as_of or date.today()
        for path in history:
            frame = issue_frame(read_history(path), mapping, str(path))
            replayed = replay(policy, frame, day)
            result = scores(replayed, criteria)
            worst = disagreements(replayed, criteria, top).to_dicts()
            results.append(
                {
                    "history": str(path),
                    "mapping": mapping.name,
                    **result.as_dict(),
                    "disagreements": worst,
                }
            )
            if fmt is BacktestFormat.text:
                _print(str(path), result, worst)
    except BacktestError as exc:
        fail(str(exc))
    if fmt is BacktestFormat.json:
        out.file.write(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode() + "\n")


def _learned_backtest(
    history: list[Path],
    mapping_path: Path | None,
    policy_path: Path | None,
    as_of: str | None,
    folds: int | None,
    train: Path | None,
    fmt: BacktestFormat,
) -> None:
    """Learn a policy (cross-validated, or on --train) and score it beside the baseline."""
    from hotgate.cli.learn_commands import base_text, examples_for
    from hotgate.history.evaluation import cross_validate, train_test
    from hotgate.history.examples import LearningError

    if folds is not None and train is not None:
        fail("give --cross-validate K or --train FILE, not both")
    policy = policy_from(policy_path)
    text = base_text(policy_file(policy_path))
    results: list[dict[str, Any]] = []
    for path in history:
        test = examples_for(path, mapping_path, policy, as_of)
        try:
            if train is not None:
                trained = examples_for(train, mapping_path, policy, as_of)
                result = train_test(trained, test, policy, text)
            else:
                result = cross_validate(test, policy, text, folds or 5)
        except LearningError as exc:
            fail(f"{path}: {exc}")
        results.append({"history": str(path), **result.as_dict()})
        if fmt is BacktestFormat.text:
            print_comparison(out, result)
    if fmt is BacktestFormat.json:
        data: Any = results[0] if len(results) == 1 else results
        out.file.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
