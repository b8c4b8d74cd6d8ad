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


def text_scores(policy: Policy, frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with `text_score`: the reader's log-odds that each report is severe."""
    if "text_score" in frame.columns:
        return frame
    if not uses_reader(policy) or frame.is_empty():
        return frame.with_columns(text_score=pl.lit(None, dtype=pl.Float64))
    return frame.with_columns(text_score=model_of(policy).scores(_report_text(frame)))


def with_text_terms(policy: Policy, row: Mapping[str, Any], k: int = 3) -> Mapping[str, Any]:
    """One evaluated row with `text_terms`: the words that moved the reader most, quoted."""
    if row.get("text_score") is None or not uses_reader(policy):
        return row
    text = f"{row.get('title') or ''}\n{str(row.get('body') or '')[:READ_CHARACTERS]}"
    terms = model_of(policy).top_terms(text, k)
    return {**row, "text_terms": ", ".join(f"'{term}'" for term, _ in terms)}
