"""Replaying past issues under the current policy and comparing with what was actually done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotgate.policy.deciding.engine import Context, evaluate
from hotgate.policy.definition.rules import first_error
from hotgate.policy.definition.schema import Policy
from hotgate.policy.reading.signals import ISSUE_SCHEMA

ACCEPTED, REJECTED, UNDECIDED = "accepted", "rejected", "needs-info"
PREDICTED = {"hotfix": ACCEPTED, "wait": ACCEPTED, "no-hotfix": REJECTED, "needs-info": UNDECIDED}
DEFAULT_ACCEPTED = ["hotfix", "wait", "accepted", "true", "yes", "1"]
DEFAULT_REJECTED = ["no-hotfix", "rejected", "false", "no", "0"]


class BacktestError(ValueError):
    """A history or mapping file that cannot be replayed; the message names the file and field."""


class Outcome(BaseModel):
    """Where the real outcome is: an expression over the history's columns, and its values."""

    model_config = ConfigDict(extra="forbid")
    expression: str = "outcome"
    accepted: list[str] = Field(default_factory=lambda: list(DEFAULT_ACCEPTED))
    rejected: list[str] = Field(default_factory=lambda: list(DEFAULT_REJECTED))


class Mapping(BaseModel):
    """How a history's columns become hotgate's issue fields (SQL expressions over columns)."""

    model_config = ConfigDict(extra="forbid")
    name: str = "identity"
    description: str = ""
    outcome: Outcome = Outcome()
    fields: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict, description="column: separator")
    as_of: date | None = None
    features: dict[str, str] = Field(
        default_factory=dict,
        description="Numeric columns for learning beyond hotgate's fields: name: SQL expression.",
    )
    trouble: str | None = Field(
        default=None,
        description="What later happened to a fix shipped early (true: backed out or "
        "regressed); the learned risk's target, never a feature.",
    )
    risk_features: list[str] = Field(
        default_factory=list, description="Names of `features` the learned risk may use too."
    )
    after_decision: list[str] = Field(
        default_factory=list,
        description="Columns written at or after the decision: no field, feature or label "
        "may read them (only the outcome and trouble may).",
    )


def load_mapping(path: Path | None) -> Mapping:
    """Read a mapping file, or the identity mapping when none is given."""
    if path is None:
        return Mapping()
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return Mapping.model_validate(data)
    except UnicodeDecodeError as exc:
        raise BacktestError(f"{path}: not valid UTF-8 at byte {exc.start}") from None
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise BacktestError(f"{path}: cannot read the mapping: {exc}".splitlines()[0]) from None
    except ValidationError as exc:
        place, message = first_error(exc)
        raise BacktestError(f"{path}: {place}: {message}") from None


def read_history(path: Path) -> pl.DataFrame:
    """Read a history table: CSV, JSON Lines or Parquet."""
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        if path.suffix in {".jsonl", ".ndjson"}:
            return pl.read_ndjson(path, infer_schema_length=10_000)
        return pl.read_csv(path, infer_schema_length=10_000)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BacktestError(f"{path}: cannot read the history: {exc}".splitlines()[0]) from None


def _expr(text: str, place: str) -> pl.Expr:
    try:
        return pl.sql_expr(text)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise BacktestError(f"{place}: not an expression: {exc}".splitlines()[0]) from None


def issue_frame(history: pl.DataFrame, mapping: Mapping, label: str) -> pl.DataFrame:
    """The evaluation frame for a history, plus `actual` (accepted or rejected) and `days`."""
    if mapping.outcome.expression in {"outcome"} and "outcome" not in history.columns:
        raise BacktestError(
            f"{label}: no 'outcome' column naming what was actually done; give --mapping FILE "
            "saying which column holds it (see examples/backtest/)"
        )
    columns: list[pl.Expr] = []
    for name, dtype in ISSUE_SCHEMA.items():
        if name in mapping.fields:
            expr = _expr(mapping.fields[name], f"{label}: fields.{name}")
        elif name in history.columns and not mapping.fields:
            expr = pl.col(name)
        else:
            expr = pl.lit(None)
        columns.append(expr.cast(dtype).alias(name))
    unknown = set(mapping.fields) - {*ISSUE_SCHEMA, "days_until_release", "area_hotfix_trouble"}
    if unknown:
        raise BacktestError(
            f"{label}: fields: not hotgate issue fields: {', '.join(sorted(unknown))}"
        )
    for extra in ("days_until_release", "area_hotfix_trouble"):
        if extra in mapping.fields:
            expr = _expr(mapping.fields[extra], f"{label}: fields.{extra}")
            columns.append(expr.cast(pl.Int64).alias(extra))
    _check_before_decision(mapping, label)
    for name, text in mapping.features.items():
        if name in ISSUE_SCHEMA or not name.isidentifier():
            raise BacktestError(f"{label}: features.{name}: not a new column name")
        expr = _expr(text, f"{label}: features.{name}")
        columns.append(expr.cast(pl.Float64).alias(name))
    unknown_risk = set(mapping.risk_features) - set(mapping.features)
    if unknown_risk:
        raise BacktestError(f"{label}: risk_features: not in features: {sorted(unknown_risk)[0]}")
    if mapping.trouble is not None:
        trouble = _expr(mapping.trouble, f"{label}: trouble")
        columns.append(trouble.cast(pl.Boolean).alias("_trouble"))
    outcome = _expr(mapping.outcome.expression, f"{label}: outcome.expression")
    columns.append(outcome.cast(pl.String).str.to_lowercase().alias("_outcome"))
    try:
        frame = history.select(columns)
    except pl.exceptions.PolarsError as exc:
        raise BacktestError(f"{label}: the mapping does not fit: {exc}".splitlines()[0]) from None
    frame = _with_labels(frame, history, mapping, label)
    accepted = [v.lower() for v in mapping.outcome.accepted]
    rejected = [v.lower() for v in mapping.outcome.rejected]
    actual = (
        pl.when(pl.col("_outcome").is_in(accepted))
        .then(pl.lit(ACCEPTED))
        .when(pl.col("_outcome").is_in(rejected))
        .then(pl.lit(REJECTED))
    )
    frame = frame.with_columns(
        actual=actual,
        key=pl.coalesce(pl.col("key"), pl.format("row-{}", pl.int_range(pl.len()) + 1)),
        source=pl.coalesce(pl.col("source"), pl.lit("history")),
        title=pl.coalesce(pl.col("title"), pl.lit("(no title)")),
        body=pl.col("body").fill_null(""),
        answers=pl.col("answers").fill_null(""),
        labels=pl.col("labels").fill_null([]),
    )
    bad = frame.filter(pl.col("actual").is_null())
    if bad.height:
        values = ", ".join(sorted({str(v) for v in bad["_outcome"].head(5)}))
        raise BacktestError(
            f"{label}: {bad.height} rows have an outcome that is neither accepted "
            f"nor rejected ({values})"
        )
    return frame


def _check_before_decision(mapping: Mapping, label: str) -> None:
    """No field, feature or label may read a column written at or after the decision."""
    late = set(mapping.after_decision)
    if not late:
        return
    read = {f"fields.{k}": v for k, v in mapping.fields.items()}
    read.update({f"features.{k}": v for k, v in mapping.features.items()})
    for place, text in read.items():
        used = set(_expr(text, f"{label}: {place}").meta.root_names()) & late
        if used:
            raise BacktestError(
                f"{label}: {place} reads {sorted(used)[0]!r}, written after the decision"
            )
    for column in mapping.labels:
        if column in late:
            raise BacktestError(f"{label}: labels read {column!r}, written after the decision")


def _with_labels(
    frame: pl.DataFrame, history: pl.DataFrame, mapping: Mapping, label: str
) -> pl.DataFrame:
    if not mapping.labels:
        return frame
    missing = [c for c in mapping.labels if c not in history.columns]
    if missing:
        raise BacktestError(f"{label}: labels: no column {missing[0]!r} in the history")
    parts = [
        history[column].cast(pl.String).fill_null("").str.split(separator).alias(column)
        for column, separator in mapping.labels.items()
    ]
    joined = pl.DataFrame(parts).select(
        pl.concat_list(list(mapping.labels))
        .list.eval(pl.element().filter(pl.element() != ""))
        .alias("labels")
    )
    return frame.with_columns(labels=joined["labels"])


def replay(policy: Policy, frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Decide every past issue under the policy; adds `verdict` and `predicted`."""
    decided = evaluate(policy, frame, Context(as_of=as_of))
    return decided.with_columns(predicted=pl.col("verdict").replace_strict(PREDICTED))


@dataclass(frozen=True)
class Scores:
    """How well the policy agrees with history."""

    rows: int
    confusion: dict[str, dict[str, int]]
    recall: dict[str, float | None]
    balanced_accuracy: float | None
    balanced_accuracy_strict: float | None
    undecided: int
    unknown_criteria: dict[str, int]
    risk_auc: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return dict(self.__dict__)


def scores(replayed: pl.DataFrame, criteria: list[str]) -> Scores:
    """Confusion matrix, recall per class, balanced accuracy and what stayed undecided."""
    confusion = {
        actual: {
            predicted: replayed.filter(
                (pl.col("actual") == actual) & (pl.col("predicted") == predicted)
            ).height
            for predicted in (ACCEPTED, REJECTED, UNDECIDED)
        }
        for actual in (ACCEPTED, REJECTED)
    }
    recall: dict[str, float | None] = {}
    strict: list[float] = []
    for actual, row in confusion.items():
        decided = row[ACCEPTED] + row[REJECTED]
        recall[actual] = row[actual] / decided if decided else None
        total = decided + row[UNDECIDED]
        if total:
            strict.append(row[actual] / total)
    known = [r for r in recall.values() if r is not None]
    undecided = replayed.filter(pl.col("predicted") == UNDECIDED)
    return Scores(
        rows=replayed.height,
        confusion=confusion,
        recall=recall,
        balanced_accuracy=sum(known) / len(known) if len(known) == len(recall) else None,
        balanced_accuracy_strict=sum(strict) / len(strict)
        if len(strict) == len(confusion)
        else None,
        undecided=undecided.height,
        unknown_criteria={
            crit: undecided.filter(pl.col(f"{crit}__answer") == "unknown").height
            for crit in criteria
        },
        risk_auc=risk_auc(replayed),
    )


def risk_auc(replayed: pl.DataFrame) -> float | None:
    """ROC AUC of the risk of the hotfix as a score for rejection, over every row.

    The chance that a request history rejected carries a higher risk number than one it
    accepted (ties count half); 0.5 means the number tells them apart no better than chance.
    """
    ranked = replayed.select(
        rank=pl.col("risk_of_hotfix").rank("average"), rejected=pl.col("actual") == REJECTED
    )
    positives = int(ranked["rejected"].sum())
    negatives = ranked.height - positives
    if not positives or not negatives:
        return None
    rank_sum = float(ranked.filter(pl.col("rejected"))["rank"].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def disagreements(replayed: pl.DataFrame, criteria: list[str], top: int = 10) -> pl.DataFrame:
    """The decided cases where policy and history disagree most, strongest first.

    A policy hotfix that history refused is strongest when waiting looked costly next to the
    hotfix's risk; a policy refusal that history shipped is strongest when more criteria said no.
    """
    noes = pl.sum_horizontal([(pl.col(f"{c}__answer") == "no").cast(pl.Int64) for c in criteria])
    margin = pl.col("cost_of_waiting") / pl.max_horizontal(pl.col("risk_of_hotfix"), pl.lit(0.01))
    rules = pl.concat_str(
        [
            pl.format(f"{c}={{}}:{{}}", pl.col(f"{c}__answer"), pl.col(f"{c}__rule").fill_null("-"))
            for c in criteria
        ],
        separator=" ",
    )
    wrong = replayed.filter(
        (pl.col("predicted") != UNDECIDED) & (pl.col("predicted") != pl.col("actual"))
    ).with_columns(
        strength=pl.when(pl.col("predicted") == ACCEPTED)
        .then(margin)
        .otherwise(noes.cast(pl.Float64) + margin / 1000),
        rules=rules,
    )
    return (
        wrong.sort(["strength", "key"], descending=[True, False])
        .head(top)
        .select(
            "key",
            "component",
            "actual",
            "verdict",
            "override",
            "rules",
            "cost_of_waiting",
            "risk_of_hotfix",
            "strength",
        )
    )
