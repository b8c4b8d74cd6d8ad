"""The learned-versus-baseline backtest as text: figures side by side and a reliability table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:  # the types only: evaluating loads scikit-learn, which every command would pay
    from hotgate.history.evaluation import Comparison
    from hotgate.history.scoring import Metrics


def _num(value: float | None, pattern: str = "{:.3f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def _rows(metrics: Metrics) -> list[str]:
    recall = metrics.recall
    return [
        _num(metrics.roc_auc),
        _num(metrics.balanced_accuracy, "{:.1%}"),
        _num(recall.get("accepted"), "{:.1%}"),
        _num(recall.get("rejected"), "{:.1%}"),
        _num(metrics.brier),
        _num(metrics.threshold),
    ]


def print_comparison(out: Console, result: Comparison) -> None:
    """Print both models' figures on the same rows, then the learned policy's reliability."""
    out.print(f"[bold]{escape(result.setup)}[/]: {result.learned.rows} rows held out.")
    table = Table("", "learned policy", "baseline (gradient boosting)", title="Held-out figures")
    names = [
        "ROC AUC",
        "balanced accuracy",
        "recall accepted",
        "recall rejected",
        "Brier score",
        "threshold",
    ]
    for name, mine, theirs in zip(
        names, _rows(result.learned), _rows(result.baseline), strict=True
    ):
        table.add_row(name, mine, theirs)
    out.print(table)
    bins = Table(
        "predicted",
        "rows",
        "mean predicted",
        "share accepted",
        title="Reliability of the learned policy (predicted ≈ observed when calibrated)",
    )
    for item in result.learned.reliability:
        bins.add_row(
            f"{item.low:.2f}–{item.high:.2f}",
            str(item.rows),
            f"{item.predicted:.3f}",
            f"{item.observed:.3f}",
        )
    out.print(bins)
