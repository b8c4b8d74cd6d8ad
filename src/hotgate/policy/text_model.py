"""The learned text model of significance: a table of terms and weights applied to whole columns.

A report's text is lower-cased, cut into words by the model's token pattern, stripped of the
model's stop words (project names), and read as the set of its words and two-word phrases.
Its score is ``intercept + sum(weight of each distinct known term) / sqrt(number of them)``:
log-odds that the report is severe, exactly what scikit-learn's pipeline of
``CountVectorizer(vocabulary=terms, binary=True)``, an L2 row normaliser and a logistic
regression gives (see ``hotgate.history.text_training``). Pure: polars and numpy only.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson
import polars as pl

FORMAT = "hotgate-text-model/1"
BUNDLED = "text_model.json.gz"
_STOP = 0  # the id a stop word maps to: dropped before phrases are formed
_BASE = 1 << 32  # a two-word phrase is keyed by first id * 2**32 + second id


class TextModelError(ValueError):
    """A model file that cannot be read; the message is one line naming the file."""


@dataclass(frozen=True, eq=False)
class TextModel:
    """A fitted text model: terms with weights, an intercept, and how text becomes terms."""

    name: str
    sha256: str
    intercept: float
    token_pattern: str
    stop_words: tuple[str, ...]
    weights: dict[str, float] = field(repr=False)
    card: dict[str, Any] = field(default_factory=dict, repr=False)
    _words: pl.DataFrame = field(init=False, repr=False)
    _table: pl.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        words = sorted({w for term in self.weights for w in term.split(" ")} - set(self.stop_words))
        ids = {w: i + 1 for i, w in enumerate(words)}  # 0 is kept for stop words
        vocab = pl.DataFrame(
            {
                "tok": [*self.stop_words, *words],
                "id": [_STOP] * len(self.stop_words) + list(range(1, len(words) + 1)),
            },
            schema={"tok": pl.String, "id": pl.UInt64},
        )
        keys = [_key(term, ids) for term in self.weights]
        table = pl.DataFrame({"key": keys, "w": list(self.weights.values())}, schema=_TABLE)
        object.__setattr__(self, "_words", vocab)
        object.__setattr__(self, "_table", table)

    @classmethod
    def bundled(cls) -> TextModel:
        """The model file shipped inside the package, loaded once per process."""
        return _bundled()

    @classmethod
    def load(cls, path: Path) -> TextModel:
        """A model from a gzipped JSON model file; TextModelError (one line, naming it) if bad."""
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise TextModelError(f"{path}: cannot read the text model ({exc.strerror})") from None
        return cls.from_bytes(raw, str(path))

    @classmethod
    def from_bytes(cls, raw: bytes, label: str) -> TextModel:
        """A model from the bytes of a model file; label names it in errors."""
        try:
            doc = orjson.loads(gzip.decompress(raw))
        except (OSError, EOFError, orjson.JSONDecodeError, gzip.BadGzipFile):
            raise TextModelError(f"{label}: not a text model (expected gzipped JSON)") from None
        try:
            return cls._from_document(doc, hashlib.sha256(raw).hexdigest())
        except (KeyError, TypeError, ValueError, re.error) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            raise TextModelError(f"{label}: not a valid text model ({what})") from None

    @classmethod
    def _from_document(cls, doc: Any, sha256: str) -> TextModel:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT!r}")
        if list(doc["ngram_range"]) not in ([1, 1], [1, 2]):
            raise ValueError(f"ngram_range {doc['ngram_range']} is not [1, 1] or [1, 2]")
        pattern = str(doc["token_pattern"])
        if re.compile(pattern).groups:
            raise ValueError("token_pattern has a capture group")
        weights = {str(term): float(weight) for term, weight in doc["terms"]}
        if not weights or not all(math.isfinite(w) for w in weights.values()):
            raise ValueError("terms are empty or not finite numbers")
        if any(len(t.split(" ")) > 2 or not t for t in weights):
            raise ValueError("a term has more than two words")
        return cls(
            name=str(doc["name"]),
            sha256=sha256,
            intercept=float(doc["intercept"]),
            token_pattern=pattern,
            stop_words=tuple(str(w) for w in doc.get("stop_words", [])),
            weights=weights,
            card=dict(doc.get("card") or {}),
        )

    def _per_report(self, texts: pl.Series) -> pl.LazyFrame:
        """Per report, in order: whether it has words, and the sum and count of its known terms."""
        words = (
            pl.DataFrame({"text": texts.cast(pl.String)})
            .lazy()
            .with_row_index("doc")
            .select(
                "doc", tok=pl.col("text").str.to_lowercase().str.extract_all(self.token_pattern)
            )
        )
        # Stop words leave the sequence (phrases form across them); unknown words stay as null
        # and break phrases, as in scikit-learn's analyser.
        ids = (
            words.explode("tok")
            .drop_nulls("tok")
            .join(self._words.lazy(), on="tok", how="left", maintain_order="left")
            .filter(pl.col("id").ne_missing(_STOP))
            .select("doc", "id")
        )
        same_doc = pl.col("doc").shift(-1) == pl.col("doc")
        phrase = pl.when(same_doc).then(pl.col("id") * _BASE + pl.col("id").shift(-1))
        # A word's key is its id (< 2**32), a phrase's first * 2**32 + second: one table.
        keys = pl.concat([ids.select("doc", key="id"), ids.select("doc", key=phrase)])
        sums = (
            keys.drop_nulls("key")
            .join(self._table.lazy(), on="key")
            .unique(["doc", "key"])  # binary features: a term counts once per report
            .group_by("doc")
            .agg(s=pl.col("w").sum(), n=pl.len())
        )
        return words.select("doc", has=pl.col("tok").list.len() > 0).join(
            sums, on="doc", how="left", maintain_order="left"
        )

    def scores(self, texts: pl.Series) -> pl.Series:
        """Log-odds that each report is severe: Float64, one per row, in order; null if no words."""
        mean = (pl.col("s") / pl.col("n").cast(pl.Float64).sqrt()).fill_null(0.0)
        score = pl.when(pl.col("has")).then(self.intercept + mean).cast(pl.Float64)
        frame = self._per_report(texts).select(score.alias(texts.name or "score")).collect()
        return frame.to_series()

    def terms_of(self, text: str) -> list[tuple[str, float]]:
        """The known terms of one text with their contribution to its score (log-odds)."""
        tokens = [
            t for t in re.findall(self.token_pattern, text.lower()) if t not in set(self.stop_words)
        ]
        found = {t for t in tokens if t in self.weights}
        found |= {f"{a} {b}" for a, b in pairwise(tokens)} & self.weights.keys()
        if not found:
            return []
        norm = math.sqrt(len(found))
        return [(term, self.weights[term] / norm) for term in sorted(found)]

    def top_terms(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k words or phrases that moved one report's score most, with their log-odds."""
        ranked = sorted(self.terms_of(text), key=lambda item: (-abs(item[1]), item[0]))
        return ranked[:k]


_TABLE = {"key": pl.UInt64, "w": pl.Float64}


def _key(term: str, ids: dict[str, int]) -> int:
    """A term's join key: a word's id, or first id * 2**32 + second id for a phrase."""
    first, _, second = term.partition(" ")
    return ids[first] * _BASE + ids[second] if second else ids[first]


@cache
def _bundled() -> TextModel:
    raw = resources.files("hotgate.policy").joinpath(BUNDLED).read_bytes()
    return TextModel.from_bytes(raw, f"hotgate/policy/{BUNDLED}")
