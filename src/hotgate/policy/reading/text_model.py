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
_STREAMING_FROM = 20_000  # reports in a batch
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
        terms = (
            pl.DataFrame(
                {"term": list(self.weights), "w": list(self.weights.values())},
                schema={"term": pl.String, "w": pl.Float64},
            )
            .with_columns(
                pl.col("term").str.split_exact(" ", 1).struct.rename_fields(["first", "second"])
            )
            .unnest("term")
        )
        words = (
            pl.concat([terms["first"], terms["second"]])
            .drop_nulls()
            .unique()
            .sort()
            .to_frame("tok")
        )
        # Ids from 1, so a phrase's key (first * 2**32 + second) never equals a word's.
        vocab = words.with_row_index("id", offset=1).select("tok", pl.col("id").cast(pl.UInt64))
        table = (
            terms.join(vocab.rename({"tok": "first", "id": "a"}), on="first", how="left")
            .join(vocab.rename({"tok": "second", "id": "b"}), on="second", how="left")
            .select(key=pl.coalesce(pl.col("a") * _BASE + pl.col("b"), pl.col("a")), w="w")
        )
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
        stop_words = tuple(str(w) for w in doc.get("stop_words", []))
        _check_terms(list(weights), pattern, stop_words)
        return cls(
            name=str(doc["name"]),
            sha256=sha256,
            intercept=float(doc["intercept"]),
            token_pattern=pattern,
            stop_words=stop_words,
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
        # Stop words leave the sequence (phrases form across them); a word outside the table
        # breaks a phrase, as in scikit-learn's analyser, so positions are kept to see gaps.
        ids = (
            words.explode("tok")
            .drop_nulls("tok")
            .filter(~pl.col("tok").is_in(list(self.stop_words)))
            .with_row_index("pos")
            .join(self._words.lazy(), on="tok", how="inner", maintain_order="left")
            .select("doc", "pos", "id")
        )
        next_word = (pl.col("doc").shift(-1) == pl.col("doc")) & (
            pl.col("pos").shift(-1) == pl.col("pos") + 1
        )
        phrase = pl.when(next_word).then(pl.col("id") * _BASE + pl.col("id").shift(-1))
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
        query = self._per_report(texts).select(score.alias(texts.name or "score"))
        # The streaming engine pays off on large batches; a small one (one bug being assessed)
        # decides in a few milliseconds in memory.
        if texts.len() >= _STREAMING_FROM:
            return query.collect(engine="streaming").to_series()
        return query.collect(engine="in-memory").to_series()

    def terms_of(self, text: str) -> list[tuple[str, float]]:
        """The known terms of one text with their contribution to its score (log-odds)."""
        stop = set(self.stop_words)
        tokens = [t for t in re.findall(self.token_pattern, text.lower()) if t not in stop]
        found = {t for t in tokens if t in self.weights}
        found |= {f"{a} {b}" for a, b in pairwise(tokens)} & self.weights.keys()
        if not found:
            return []
        norm = math.sqrt(len(found))
        return [(term, self.weights[term] / norm) for term in sorted(found)]

    def top_terms(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k words or phrases that moved one report's score most, with their log-odds.

        Terms made only of function words ("we", "in the") count in the score but explain
        nothing to a person, so they are not among them.
        """
        shown = [
            (term, value)
            for term, value in self.terms_of(text)
            if not set(term.split(" ")) <= FUNCTION_WORDS
        ]
        return sorted(shown, key=lambda item: (-abs(item[1]), item[0]))[:k]


_TABLE = {"key": pl.UInt64, "w": pl.Float64}
# Articles, pronouns, prepositions and auxiliaries; negations and modals (not, no, cannot,
# should, must) stay, since they say something about a bug.
_FUNCTION_TEXT = """a an the this that these those it its it's we our us you your they them their
he she his her i me my in on at of to for from with by as into onto about over under than then
and or if so but also too very just there here is are was were be been being am has have had do
does did can could would will may might shall what which who when where how why all any some
such only other more most each one two up out off again"""
FUNCTION_WORDS = frozenset(_FUNCTION_TEXT.split())


def _check_terms(terms: list[str], pattern: str, stop_words: tuple[str, ...]) -> None:
    """ValueError unless every term is one or two words that tokenising would give back."""
    words = [word for term in terms for word in term.split(" ")]
    if len(words) > 2 * len(terms) or any(term.count(" ") > 1 for term in terms):
        raise ValueError("a term has more than two words")
    if re.findall(pattern, "\n".join(words).lower()) != words:
        raise ValueError("a term is not lower-case words of token_pattern")
    if set(words) & set(stop_words):
        raise ValueError(f"a term has a stop word ({sorted(set(words) & set(stop_words))[0]})")


@cache
def _bundled() -> TextModel:
    raw = resources.files("hotgate.policy.reading").joinpath(BUNDLED).read_bytes()
    return TextModel.from_bytes(raw, f"hotgate/policy/reading/{BUNDLED}")
