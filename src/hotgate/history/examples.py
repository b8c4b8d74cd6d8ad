"""Labelled examples for learning: each past subject as it was when decided, with its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from hotgate.history.backtest import ACCEPTED, REJECTED, Mapping, issue_frame, read_history
from hotgate.policy.deciding.engine import Context, evaluate
from hotgate.policy.definition.schema import Policy

MIN_ROWS = 20
MIN_PER_CLASS = 5


class LearningError(ValueError):
    """Data that cannot be learned from; the one-line message says how much there is."""


@dataclass(frozen=True)
class Examples:
    """Evaluated rows (the base policy's columns plus the mapping's), their outcome, provenance.

    `frame` has `actual` (accepted or rejected) and, when known, `_trouble` (a fix shipped early
    was backed out or regressed). `extra` names the mapping's additional numeric columns.
    """

    frame: pl.DataFrame
    source: str
    mapping: str | None = None
    extra: list[str] = field(default_factory=list)
    risk_extra: list[str] = field(default_factory=list)
    with_criteria: bool = True

    def labels(self) -> np.ndarray:
        """1 for accepted, 0 for rejected, one per row."""
        return (self.frame["actual"] == ACCEPTED).to_numpy().astype(np.int64)

    def counts(self) -> dict[str, int]:
        """Rows per class: accepted and rejected."""
        accepted = int(self.labels().sum())
        return {ACCEPTED: accepted, REJECTED: self.frame.height - accepted}

    def take(self, rows: np.ndarray) -> Examples:
        """The same examples restricted to the given row indices."""
        return Examples(
            self.frame[rows],
            self.source,
            self.mapping,
            self.extra,
            self.risk_extra,
            self.with_criteria,
        )


def from_history(path: Path, mapping: Mapping, policy: Policy, as_of: date) -> Examples:
    """Read a history file through its mapping and evaluate it under the base policy."""
    frame = issue_frame(read_history(path), mapping, str(path))
    evaluated = evaluate(policy, frame, Context(as_of=as_of))
    texts = frame.select((pl.col("body").str.len_chars() > 0).mean()).item()
    return Examples(
        evaluated,
        str(path),
        mapping.name,
        list(mapping.features),
        list(mapping.risk_features),
        with_criteria=bool(texts and texts >= 0.5),
    )


def refuse_too_little(counts: dict[str, int], what: str = "learn from") -> None:
    """Raise LearningError unless there are enough rows and enough of each class."""
    total = sum(counts.values())
    have = ", ".join(f"{n} {label}" for label, n in counts.items())
    if total == 0:
        raise LearningError(f"nothing to {what}: 0 decided rows")
    if min(counts.values()) == 0:
        only = next(label for label, n in counts.items() if n)
        raise LearningError(
            f"only one class to {what}: {total} rows, all {only}; both outcomes are needed"
        )
    if total < MIN_ROWS or min(counts.values()) < MIN_PER_CLASS:
        raise LearningError(
            f"too little to {what}: {total} rows ({have}); at least {MIN_ROWS} rows with "
            f"{MIN_PER_CLASS} of each class are needed"
        )
