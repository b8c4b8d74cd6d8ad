"""Training the text model of significance with scikit-learn, and writing its model file.

Two fits: the first, over every word and two-word phrase seen in at least ``min_df`` reports,
ranks terms by the size of their weight; the second is refitted on the ``max_terms`` strongest,
so the shipped table is the whole model and ``TextModel.scores`` equals the pipeline built by
``sklearn_pipeline`` exactly.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Normalizer

from hotgate.policy.reading.text_model import FORMAT, TextModel

TOKEN_PATTERN = r"[a-z0-9]{2,}"
# Project and product names: among the strongest features, and they say nothing about a bug.
STOP_WORDS = (
    "activemq", "amq", "hadoop", "hdfs", "hive", "mapreduce", "storm", "yarn", "zookeeper",
    "zk", "apache", "jira", "mozilla", "firefox", "fx", "thunderbird", "seamonkey", "netscape",
    "bugzilla", "gecko", "eclipse", "netbeans", "openoffice", "ooo",
)  # fmt: skip


class TrainingError(ValueError):
    """Training data that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Settings:
    """How a model is fitted: regularisation, how many terms it keeps, how rare a term may be."""

    C: float = 1.0
    max_terms: int = 40_000
    min_df: int = 3
    balanced: bool = True


def vectoriser(vocabulary: Sequence[str] | None = None, min_df: int = 1) -> CountVectorizer:
    """The binary word 1-2-gram counter whose tokenisation TextModel repeats in polars."""
    return CountVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words=list(STOP_WORDS),
        ngram_range=(1, 2),
        binary=True,
        min_df=1 if vocabulary is not None else min_df,
        vocabulary=list(vocabulary) if vocabulary is not None else None,
        dtype=np.float64,
    )


def _l2(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    return Normalizer(norm="l2", copy=True).transform(matrix)


def _logistic(settings: Settings) -> LogisticRegression:
    return LogisticRegression(
        C=settings.C,
        solver="liblinear",
        class_weight="balanced" if settings.balanced else None,
        max_iter=200,
        random_state=0,  # liblinear shuffles: the same data gives the same model file
    )


@dataclass(frozen=True)
class Fitted:
    """A fitted model as a table: terms, their weights, and the intercept (log-odds)."""

    terms: list[str]
    weights: np.ndarray
    intercept: float


def fit_matrix(
    binary: sparse.csr_matrix,
    labels: np.ndarray,
    names: np.ndarray,
    settings: Settings,
    strata: np.ndarray | None = None,
) -> Fitted:
    """Fit on a binary report × term matrix (labels 1 severe / 0 minor); keeps the strongest.

    With strata (one name per row, such as the collection it came from), severe and minor
    weigh the same within each stratum, so no stratum's share of severe reports is learnt.
    """
    if len(np.unique(labels)) < 2:
        raise TrainingError("the labels need both severe (1) and minor (0) reports")
    weight = None if strata is None else stratum_weights(strata, labels)
    first = _logistic(settings).fit(_l2(binary), labels, sample_weight=weight)
    weights = first.coef_[0]
    keep = np.argsort(-np.abs(weights), kind="stable")[: settings.max_terms]
    keep = np.sort(keep[np.abs(weights[keep]) > 0])
    second = _logistic(settings).fit(_l2(binary[:, keep]), labels, sample_weight=weight)
    return Fitted(
        terms=[str(t) for t in names[keep]],
        weights=second.coef_[0].astype(np.float64),
        intercept=float(second.intercept_[0]),
    )


def stratum_weights(strata: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Row weights (mean 1) that give each label within each stratum an equal share."""
    keys = np.char.add(strata.astype(str), labels.astype(str))
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    weight = len(labels) / (len(counts) * counts[inverse])
    return np.asarray(weight / weight.mean(), dtype=np.float64)


def fit_texts(
    texts: Sequence[str],
    labels: np.ndarray,
    settings: Settings,
    strata: np.ndarray | None = None,
) -> Fitted:
    """Fit on report texts (title + newline + body) and their 1/0 labels."""
    counter = vectoriser(min_df=settings.min_df)
    try:
        binary = counter.fit_transform(texts).tocsr()
    except ValueError as exc:  # no term reaches min_df, or no words at all
        reason = str(exc).splitlines()[0]
        raise TrainingError(f"no usable words in the training texts ({reason})") from None
    return fit_matrix(binary, labels, counter.get_feature_names_out(), settings, strata)


def model_document(name: str, fitted: Fitted, card: dict[str, Any]) -> dict[str, Any]:
    """The model file's content: how text becomes terms, the table of weights, and the card."""
    order = np.argsort(-fitted.weights, kind="stable")
    return {
        "format": FORMAT,
        "name": name,
        "intercept": fitted.intercept,
        "token_pattern": TOKEN_PATTERN,
        "lowercase": True,
        "ngram_range": [1, 2],
        "binary": True,
        "norm": "l2",
        "stop_words": list(STOP_WORDS),
        "card": card,
        "terms": [[fitted.terms[i], float(fitted.weights[i])] for i in order],
    }


def write_model(path: Path, document: dict[str, Any]) -> TextModel:
    """Write a model file (gzipped JSON, one term per line) and return it loaded back."""
    head = {k: v for k, v in document.items() if k != "terms"}
    lines = b",\n".join(orjson.dumps(term) for term in document["terms"])
    body = orjson.dumps(head, option=orjson.OPT_INDENT_2)[:-2] + b',\n  "terms": [\n'
    raw = gzip.compress(body + lines + b"\n  ]\n}\n", mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    return TextModel.load(path)


def sklearn_pipeline(model: TextModel) -> Pipeline:
    """The scikit-learn pipeline a TextModel stands for: the reference its scores must equal."""
    terms = sorted(model.weights)
    logistic = LogisticRegression()
    logistic.classes_ = np.array([0, 1])
    logistic.coef_ = np.array([[model.weights[t] for t in terms]])
    logistic.intercept_ = np.array([model.intercept])
    logistic.n_features_in_ = len(terms)
    counter = CountVectorizer(
        lowercase=True,
        token_pattern=model.token_pattern,
        stop_words=list(model.stop_words) or None,
        ngram_range=(1, 2),
        binary=True,
        vocabulary=terms,
        dtype=np.float64,
    )
    return Pipeline([("terms", counter), ("l2", Normalizer(norm="l2")), ("logistic", logistic)])


# --- reading rated history -----------------------------------------------------------------------

SEVERE = {"1", "1.0", "true", "yes", "severe", "blocker", "critical", "s1", "s2", "p1", "p2"}
MINOR = {"0", "0.0", "false", "no", "minor", "trivial", "enhancement", "s4", "p4", "p5"}
TEXT_PAIRS = (("summary", "description"), ("title", "body"), ("Summary", "Description"))


def label_expr(column: str) -> pl.Expr:
    """A label column read as 1.0 severe / 0.0 minor / null: numbers, words or tracker levels."""
    value = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
    return (
        pl.when(value.is_in(sorted(SEVERE)))
        .then(1.0)
        .when(value.is_in(sorted(MINOR)))
        .then(0.0)
        .otherwise(None)
        .cast(pl.Float64)
    )


def read_table(path: Path) -> pl.DataFrame:
    """A Parquet or CSV file as a frame; TrainingError naming the file if it cannot be read."""
    try:
        if path.suffix.lower() in {".parquet", ".pq"}:
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TrainingError(f"{path}: cannot read ({first})") from None


def text_expr(frame: pl.DataFrame, columns: Sequence[str] = ()) -> pl.Expr:
    """Title + newline + body from the named columns, else summary/description or title/body."""
    chosen = list(columns)
    if not chosen:
        chosen = next(
            ([a, b] for a, b in TEXT_PAIRS if a in frame.columns and b in frame.columns),
            ["text"] if "text" in frame.columns else [],
        )
    missing = [c for c in chosen if c not in frame.columns]
    if not chosen or missing:
        raise TrainingError(
            f"no text column {missing or ''} (have: {', '.join(frame.columns)}); "
            "name them with --text-column"
        )
    parts = [pl.col(c).cast(pl.String).fill_null("") for c in chosen]
    return pl.concat_str(parts, separator="\n")


def rated_rows(
    frame: pl.DataFrame,
    label_column: str,
    text_columns: Sequence[str] = (),
    group_column: str | None = None,
) -> pl.DataFrame:
    """Rows with a label and words: text (str), label (1.0/0.0), group; TrainingError if none."""
    for column, option in ((label_column, "--label-column"), (group_column, "--group-column")):
        if column is not None and column not in frame.columns:
            raise TrainingError(
                f"no column {column!r} (have: {', '.join(frame.columns)}); {option}"
            )
    group = pl.col(group_column).cast(pl.String).fill_null("") if group_column else pl.lit("")
    rated = frame.select(
        text=text_expr(frame, text_columns), label=label_expr(label_column), group=group
    )
    rated = rated.filter(pl.col("label").is_not_null() & (pl.col("text").str.strip_chars() != ""))
    if rated.is_empty():
        raise TrainingError(f"no rows with a label in {label_column!r} (1/0, severe/minor, levels)")
    return rated


def train_file(
    data: Path,
    out: Path,
    *,
    label_column: str = "label",
    text_columns: Sequence[str] = (),
    group_column: str | None = None,
    settings: Settings = Settings(),
    name: str | None = None,
) -> TextModel:
    """Train on a Parquet/CSV file of rated reports and write the model file; returns it loaded.

    TrainingError (one line) when the file, its columns or its labels cannot be used.
    """
    rated = rated_rows(read_table(data), label_column, text_columns, group_column)
    labels = rated["label"].to_numpy().astype(int)
    strata = rated["group"].to_numpy() if group_column is not None else None
    fitted = fit_texts(rated["text"].to_list(), labels, settings, strata)
    card = {
        "trained_on": {
            "file": data.name,
            "rows": rated.height,
            "severe": int(labels.sum()),
            "label_column": label_column,
            "text_columns": list(text_columns) or "auto (summary/description, title/body or text)",
            "group_column": group_column,
        },
        "settings": {**settings.__dict__, "solver": "liblinear"},
        "label_mapping": {"severe": sorted(SEVERE), "minor": sorted(MINOR), "unused": "others"},
    }
    return write_model(out, model_document(name or out.name.split(".")[0], fitted, card))
