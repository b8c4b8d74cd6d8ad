"""The learned reader of significance, applied to a whole batch's text at once.

The policy says how much the reader counts (`criteria.<name>.text_model`); this module scores
the batch's titles and descriptions with the model bundled in the package, or with the one a
team trained on its own history (`reader:` in the policy). Comments are left out: the model was
trained on reports as they were filed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from hotgate.policy.definition.schema import Policy

if TYPE_CHECKING:
    from hotgate.policy.reading.text_model import TextModel


def uses_reader(policy: Policy) -> bool:
    """Whether any criterion of the policy weighs the learned reader."""
    return any(
        spec.text_model is not None and spec.text_model.weight > 0
        for spec in policy.criteria.values()
    )


def model_of(policy: Policy) -> TextModel:
    """The policy's reader: its own model file when it names one, else the bundled model."""
    from hotgate.policy.reading.text_model import TextModel  # loaded only by policies that weigh it

    if not policy.reader:
        return TextModel.bundled()
    path = Path(policy.reader)
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        changed = 0  # load() names the file in its error
    return _loaded(str(path), changed)


@lru_cache(maxsize=8)
def _loaded(path: str, changed: int) -> TextModel:
    """A model file read once for as long as it is unchanged (changed: its mtime)."""
    from hotgate.policy.reading.text_model import TextModel

    del changed  # part of the cache key only
    return TextModel.load(Path(path))


# The reader was trained on descriptions cut to their first 2,000 characters; reading the same
# part keeps its scores comparable and a pasted megabyte of log from costing a megabyte of work.
READ_CHARACTERS = 2_000


def _report_text(frame: pl.DataFrame) -> pl.Series:
    body = pl.col("body").str.slice(0, READ_CHARACTERS)
    return frame.select(
        pl.concat_str([pl.col("title"), body], separator="\n", ignore_nulls=True)
    ).to_series()


# How many words or phrases a decision names as what moved the reader most.
TERMS_SHOWN = 3


def text_scores(policy: Policy, frame: pl.DataFrame, terms: bool = False) -> pl.DataFrame:
    """The frame with `text_score`: the reader's log-odds that each report is severe.

    With `terms`, also `text_terms` (String): the words that moved the reader most, quoted and
    joined as `with_text_terms` gives them, read from the same pass over the batch's text; null
    where `text_score` is null or the policy does not weigh the reader.
    """
    wanted = ["text_score", "text_terms"] if terms else ["text_score"]
    if all(name in frame.columns for name in wanted):
        return frame
    if not uses_reader(policy) or frame.is_empty():
        return frame.with_columns(
            pl.lit(None, dtype=_DTYPES[name]).alias(name)
            for name in wanted
            if name not in frame.columns
        )
    model = model_of(policy)
    texts = _report_text(frame)
    if not terms:
        return frame.with_columns(text_score=model.scores(texts))
    if "text_score" in frame.columns:  # scored before: only the terms are read
        score, top = frame["text_score"], model.top_terms_column(texts, TERMS_SHOWN)
    else:
        read = model.scores_and_top_terms(texts, TERMS_SHOWN)
        score, top = read["score"], read["terms"]
    quoted = top.list.eval(pl.format("'{}'", pl.element().struct.field("term"))).list.join(", ")
    return frame.with_columns(
        text_score=score,
        text_terms=pl.when(score.is_not_null()).then(quoted),
    )


_DTYPES = {"text_score": pl.Float64, "text_terms": pl.String}


def text_score_of_row(policy: Policy, row: dict[str, Any], terms: bool = False) -> None:
    """`text_scores` for one row, in Python: adds `text_score` (and `text_terms`) to the row.

    The same values as the batch's columns (`TextModel.score_and_top_terms_of`); a
    row that has them keeps them.
    """
    wanted = ["text_score", "text_terms"] if terms else ["text_score"]
    if all(name in row for name in wanted):
        return
    if not uses_reader(policy):
        row.update(dict.fromkeys((name for name in wanted if name not in row), None))
        return
    model = model_of(policy)
    body = row.get("body")
    parts = [row.get("title"), None if body is None else body[:READ_CHARACTERS]]
    text = "\n".join(part for part in parts if part is not None)
    score, top = model.score_and_top_terms_of(text, TERMS_SHOWN if terms else 0)
    row.setdefault("text_score", score)
    if terms:
        shown = ", ".join(f"'{term}'" for term, _ in top)
        row["text_terms"] = None if row["text_score"] is None else shown


def with_text_terms(
    policy: Policy, row: Mapping[str, Any], k: int = TERMS_SHOWN
) -> Mapping[str, Any]:
    """One evaluated row with `text_terms`: the words that moved the reader most, quoted.

    A row of a batch read with `text_scores(..., terms=True)` has them already and is returned
    as it is; any other row is read on its own.
    """
    if "text_terms" in row and k == TERMS_SHOWN:
        return row
    if row.get("text_score") is None or not uses_reader(policy):
        return row
    text = f"{row.get('title') or ''}\n{str(row.get('body') or '')[:READ_CHARACTERS]}"
    (terms,) = model_of(policy).top_terms_column(pl.Series([text], dtype=pl.String), k)
    return {**row, "text_terms": ", ".join(f"'{entry['term']}'" for entry in terms)}
