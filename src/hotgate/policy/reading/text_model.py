"""The learned text model of significance: a table of terms and weights applied to whole columns.

A report's text is lower-cased, cut into words by the model's token pattern, stripped of the
model's stop words (project names), and read as the set of its words and two-word phrases.
Its score is ``intercept + sum(weight of each distinct known term) / sqrt(number of them)``:
log-odds that the report is severe, exactly what scikit-learn's pipeline of
``CountVectorizer(vocabulary=terms, binary=True)``, an L2 row normaliser and a logistic
regression gives (see ``hotgate.history.text_training``). Pure: polars and numpy only (and
pyarrow, polars' own exchange format, to see a column's bytes without copying them).

A batch is read in numpy, never one report at a time: the trained models' token pattern (one
character class, ``[a-z0-9]{2,}``) is cut straight from the lower-cased UTF-8 bytes, each token
gets its word's id by an exact hash look-up, phrases are pairs of adjacent ids, and the distinct
terms of each report are summed with ``bincount``, with no relational join (the plan this
replaced exploded tokens into rows and joined strings). ``bench/bench_text_model.py`` measures it.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]  # zero-copy buffers of a column

FORMAT = "hotgate-text-model/1"
_SLICE = 2 << 20  # bytes of text read at a time
BUNDLED = "text_model.json.gz"


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
    _terms: list[str] = field(init=False, repr=False)
    _vocab: dict[str, int] = field(init=False, repr=False)
    _unigram: np.ndarray = field(init=False, repr=False)
    _starts_phrase: np.ndarray = field(init=False, repr=False)
    _phrases: _KeyTable = field(init=False, repr=False)
    _phrase_terms: np.ndarray = field(init=False, repr=False)
    _term_weights: np.ndarray = field(init=False, repr=False)
    _term_rank: np.ndarray = field(init=False, repr=False)
    _by_weight: np.ndarray = field(init=False, repr=False)
    _term_names: pl.Series = field(init=False, repr=False)
    _shown: np.ndarray = field(init=False, repr=False)
    _bytes: _ByteTokens | None = field(init=False, repr=False)
    _stop: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        terms = list(self.weights)
        words = sorted({word for term in terms for word in term.split(" ")})
        size = len(words)
        # Word ids: 1..V for the table's words, V+1.. for stop words, 0 for any other word.
        vocab = {word: i for i, word in enumerate([*words, *self.stop_words], start=1)}
        unigram = np.full(size + 1, -1, dtype=np.int32)
        starts_phrase = np.zeros(size + 1, dtype=bool)
        phrase_keys, phrase_terms = [], []
        for index, term in enumerate(terms):
            first, _, second = term.partition(" ")
            if second:
                starts_phrase[vocab[first]] = True
                phrase_keys.append(vocab[first] * (size + 1) + vocab[second])
                phrase_terms.append(index)
            else:
                unigram[vocab[first]] = index
        rank = np.empty(len(terms), dtype=np.int64)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        values = list(self.weights.values())
        by_weight = np.empty(len(terms), dtype=np.int64)
        by_weight[sorted(range(len(terms)), key=lambda i: (-abs(values[i]), terms[i]))] = np.arange(
            len(terms)
        )
        derived = {
            "_terms": terms,
            "_vocab": vocab,
            "_unigram": unigram,
            "_starts_phrase": starts_phrase,
            "_phrases": _KeyTable(np.array(phrase_keys, dtype=np.uint64)),
            "_phrase_terms": np.array(phrase_terms, dtype=np.int32),
            "_term_weights": np.array(list(self.weights.values()), dtype=np.float64),
            "_term_rank": rank,
            "_by_weight": by_weight,
            "_term_names": pl.Series("term", terms, dtype=pl.String),
            "_shown": np.array([not set(term.split(" ")) <= FUNCTION_WORDS for term in terms]),
            "_bytes": _ByteTokens.of(self.token_pattern, [*words, *self.stop_words]),
            "_stop": frozenset(self.stop_words),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

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

    def _word_ids(self, texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """Every token of every report, in order: (tokens per report, word id of each token).

        Ids are 0 for a word outside the table, 1..V for the table's words and above V for stop
        words. A token pattern that is one ASCII character class repeated (the trained models'
        ``[a-z0-9]{2,}``) is cut in numpy from the lower-cased bytes: its tokens are exactly the
        runs of that class at least as long as the minimum, since no byte of a multi-byte UTF-8
        character is ASCII. Any other pattern goes through polars' regex engine.
        """
        low = texts.cast(pl.String).str.to_lowercase()
        if self._bytes is None:
            tokens = low.str.extract_all(self.token_pattern)
            counts = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
            flat = tokens.explode().drop_nulls()  # an empty list explodes to one null
            ids = flat.replace_strict(self._vocab, default=0, return_dtype=pl.Int64)
            return counts, ids.to_numpy()
        return self._bytes.word_ids(low)

    def _hits(self, texts: pl.Series) -> _Hits:
        """The distinct known terms of each report, as (report, term index) pairs by report.

        Read a slice of about 2 MB of text at a time: the arrays of one slice stay in the
        processor's cache, which is faster than passing over the whole batch's arrays.
        """
        length = texts.cast(pl.String).str.len_bytes().fill_null(0).to_numpy()
        marks = np.arange(1, 1 + int(length.sum()) // _SLICE, dtype=np.int64) * _SLICE
        ends = np.searchsorted(np.cumsum(length), marks)  # the report where each slice ends
        cuts = [0, *sorted(set((ends + 1).tolist()) - {0, len(texts)}), len(texts)]
        slices = [(texts.slice(low, high - low), low) for low, high in itertools.pairwise(cuts)]
        workers = min(len(slices), pl.thread_pool_size())
        if workers > 1:  # numpy lets go of the GIL on large arrays: slices read side by side
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(lambda part: self._hits_of(*part), slices))
        else:
            parts = [self._hits_of(*part) for part in slices]
        if len(parts) == 1:
            return parts[0]
        return _Hits(
            tokens=np.concatenate([part.tokens for part in parts]),
            doc=np.concatenate([part.doc for part in parts]),
            term=np.concatenate([part.term for part in parts]),
        )

    def _hits_of(self, texts: pl.Series, first_doc: int) -> _Hits:
        counts, ids = self._word_ids(texts)
        size, words = len(counts), len(self._unigram) - 1
        doc = np.repeat(np.arange(size, dtype=np.int32), counts)
        # Stop words leave the sequence, so phrases form across them; a word outside the table
        # (id 0) stays and breaks a phrase, as in scikit-learn's analyser.
        kept = ids <= words
        ids, doc = ids[kept], doc[kept]
        # Term of each token's word (even slots) and of the phrase it starts (odd slots), so
        # that the hits come out in the order of the text, report by report.
        slots = np.full(2 * len(ids), -1, dtype=np.int32)
        slots[0::2] = self._unigram[ids]
        first, second = ids[:-1], ids[1:]
        pair = np.flatnonzero(self._starts_phrase[first] & (second > 0) & (doc[:-1] == doc[1:]))
        phrase = self._phrases.find(first[pair].astype(np.uint64) * (words + 1) + second[pair])
        known = phrase > 0
        slots[2 * pair[known] + 1] = self._phrase_terms[phrase[known] - 1]
        hit = np.flatnonzero(slots >= 0)
        hit_doc, hit_term = doc[hit // 2], slots[hit]
        once = _first_of_each(hit_doc, hit_term, len(self._terms))
        return _Hits(tokens=counts, doc=hit_doc[once] + first_doc, term=hit_term[once])

    def _scores_of(self, hits: _Hits, has: np.ndarray) -> np.ndarray:
        size = len(hits.tokens)
        total = np.bincount(hits.doc, weights=self._term_weights[hits.term], minlength=size)
        count = np.bincount(hits.doc, minlength=size)
        mean = np.divide(total, np.sqrt(count), out=np.zeros(size), where=count > 0)
        return np.where(has, self.intercept + mean, np.nan)

    def scores(self, texts: pl.Series) -> pl.Series:
        """Log-odds that each report is severe: Float64, one per row, in order; null if no words.

        A report with words but none in the table scores the intercept; a null report and one
        without a single token (empty, punctuation, one-letter words) score null.
        """
        hits = self._hits(texts)
        has = (hits.tokens > 0) & texts.is_not_null().to_numpy()
        values = self._scores_of(hits, has)
        return pl.Series(texts.name or "score", values, dtype=pl.Float64, nan_to_null=True)

    def top_terms_column(self, texts: pl.Series, k: int = 3) -> pl.Series:
        """`top_terms` of every report at once: a List of Struct{term: String, value: Float64}.

        One list per row, in order, each as `top_terms(text, k)` gives it for the same text
        (same terms, values and order); an empty list for a report with no shown term, null for
        a null report.
        """
        return self._top_terms_of(self._hits(texts), texts, k)

    def scores_and_top_terms(self, texts: pl.Series, k: int = 3) -> pl.DataFrame:
        """`scores` and `top_terms_column` from one reading: columns `score` and `terms`."""
        hits = self._hits(texts)
        has = (hits.tokens > 0) & texts.is_not_null().to_numpy()
        score = pl.Series("score", self._scores_of(hits, has), dtype=pl.Float64, nan_to_null=True)
        return pl.DataFrame([score, self._top_terms_of(hits, texts, k).alias("terms")])

    def _top_terms_of(self, hits: _Hits, texts: pl.Series, k: int) -> pl.Series:
        size, terms = len(hits.tokens), len(self._terms)
        count = np.bincount(hits.doc, minlength=size)
        shown = self._shown[hits.term]
        doc, term = hits.doc[shown], hits.term[shown]
        # Per report, by the size of the contribution, ties by the term as sorted() orders str:
        # the order of |weight| (ties by term) is that order, since all of a report's terms are
        # divided by the same norm ...
        order = np.argsort(doc.astype(np.int64) * terms + self._by_weight[term])
        doc, term = doc[order], term[order]
        value = self._term_weights[term] / np.sqrt(count[doc])
        # ... unless the division rounds two different weights to one value: those reports
        # are sorted again by the values themselves.
        size_of = np.abs(value)
        tied = (doc[1:] == doc[:-1]) & (size_of[1:] == size_of[:-1]) & (term[1:] != term[:-1])
        tied &= np.abs(self._term_weights[term[1:]]) != np.abs(self._term_weights[term[:-1]])
        if tied.any():
            redo = np.flatnonzero(np.isin(doc, doc[1:][tied]))
            again = redo[np.lexsort((self._term_rank[term[redo]], -size_of[redo], doc[redo]))]
            doc[redo], term[redo], value[redo] = doc[again], term[again], value[again]
        first = np.concatenate([[0], np.cumsum(np.bincount(doc, minlength=size))])
        top = np.arange(len(doc)) - first[doc] < k
        doc, term, value = doc[top], term[top], value[top]
        offsets = np.concatenate([[0], np.cumsum(np.bincount(doc, minlength=size))])
        entries = pa.StructArray.from_arrays(
            [self._term_names.gather(term).to_arrow(), pa.array(value, type=pa.float64())],
            names=["term", "value"],
        )
        missing = texts.is_null().to_arrow()
        listed = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), entries, mask=missing)
        series = pl.Series(texts.name or "terms", listed)
        return series.cast(pl.List(pl.Struct({"term": pl.String, "value": pl.Float64})))

    def score_and_top_terms_of(
        self, text: str | None, k: int = 3
    ) -> tuple[float | None, list[tuple[str, float]]]:
        """`scores` and `top_terms` of one report, read in Python from one reading of its words:
        the same float as the column, without numpy's fixed cost (for the few reports decided
        alone, `engine.evaluate_rows`). (None, []) for a report with no token, as `scores`
        gives null."""
        terms = None if text is None else self._hit_terms(text)
        if terms is None:
            return None, []
        total = 0.0
        for term in terms:
            total += self.weights[term]
        score = self.intercept + (total / math.sqrt(len(terms)) if terms else 0.0)
        return score, self._top(terms, k)

    def _hit_terms(self, text: str) -> list[str] | None:
        """The distinct known terms of one report in the order `_hits_of` sums them; None for a
        report with no token at all.

        `_hits_of` keeps each term's last hit, a word at slot 2j and the phrase it starts at
        2j+1, and sums the kept hits in the order of the text: adding in the same order gives
        the same float.
        """
        tokens = re.findall(self.token_pattern, text.lower())
        if not tokens:
            return None
        words = [token for token in tokens if token not in self._stop]
        last: dict[str, int] = {}
        for j, word in enumerate(words):
            if word in self.weights:
                last[word] = 2 * j
            if j + 1 < len(words) and f"{word} {words[j + 1]}" in self.weights:
                last[f"{word} {words[j + 1]}"] = 2 * j + 1
        return sorted(last, key=last.__getitem__)

    def terms_of(self, text: str) -> list[tuple[str, float]]:
        """The known terms of one text with their contribution to its score (log-odds)."""
        return self._valued(self._hit_terms(text) or [])

    def top_terms(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k words or phrases that moved one report's score most, with their log-odds.

        Terms made only of function words ("we", "in the") count in the score but explain
        nothing to a person, so they are not among them.
        """
        return self._top(self._hit_terms(text) or [], k)

    def _valued(self, found: list[str]) -> list[tuple[str, float]]:
        """Each found term (sorted) with its contribution: its weight over sqrt(terms found)."""
        norm = math.sqrt(len(found)) if found else 1.0
        return [(term, self.weights[term] / norm) for term in sorted(found)]

    def _top(self, found: list[str], k: int) -> list[tuple[str, float]]:
        if not k:
            return []
        shown = [
            (term, value)
            for term, value in self._valued(found)
            if not set(term.split(" ")) <= FUNCTION_WORDS
        ]
        return sorted(shown, key=lambda item: (-abs(item[1]), item[0]))[:k]


@dataclass(frozen=True)
class _Hits:
    """Tokens per report, and each report's distinct known terms as (report, term) pairs.

    The pairs come report by report (doc is non-decreasing); `term` indexes the model's terms.
    """

    tokens: np.ndarray
    doc: np.ndarray
    term: np.ndarray


# A simple token pattern: one character class without escapes, nesting or set operations,
# repeated at least n times.
_SIMPLE = re.compile(r"\[(?!\^)((?:(?!&&|--|~~)[^\[\]\\])+)\](?:\{(\d+),\}|(\+))")
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it mixes bits, never loses them
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)


class _KeyTable:
    """Exact look-up of distinct 64-bit keys by open addressing, vectorised over many queries."""

    def __init__(self, keys: np.ndarray) -> None:
        if len(np.unique(keys)) != len(keys):
            raise ValueError("keys are not distinct")
        self.bits = max(8, (8 * len(keys)).bit_length())  # at most an eighth full: short probes
        self.mask = (1 << self.bits) - 1
        self.keys = np.concatenate([[np.uint64(0)], keys.astype(np.uint64)])
        slots = np.zeros(1 << self.bits, dtype=np.int32)  # 0: empty
        for index, home in enumerate(self._home(keys).tolist(), start=1):
            while slots[home]:
                home = (home + 1) & self.mask
            slots[home] = index
        self.slots = slots

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return ((keys.astype(np.uint64) * _MIX) >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, keys: np.ndarray) -> np.ndarray:
        """Per key: 1 + its position in the table's keys, or 0 if it is not there (int32)."""
        home = self._home(keys)
        candidate = self.slots[home]
        found = np.where(self.keys[candidate] == keys, candidate, 0)
        pending = np.flatnonzero((found == 0) & (candidate != 0))  # an occupied slot: go on
        step = 1
        while len(pending):
            candidate = self.slots[(home[pending] + step) & self.mask]
            hit = self.keys[candidate] == keys[pending]
            found[pending[hit]] = candidate[hit]
            pending = pending[~hit & (candidate != 0)]
            step += 1
        return found


class _ByteTokens:
    """Tokens of a one-class pattern cut from UTF-8 bytes in numpy, and their exact word ids.

    A token of up to 8 bytes is keyed by its bytes read as one little-endian integer; a longer
    one by a mix of its 8-byte words, and a match on that key is confirmed word by word, so two
    different words never share an id.
    """

    def __init__(self, ranges: list[tuple[int, int]], shortest: int, words: list[str]) -> None:
        encoded = [word.encode() for word in words]
        self.ranges = ranges
        self.shortest = shortest
        self.longest = max(len(b) for b in encoded)
        self.width = (self.longest + 7) // 8
        table = np.zeros((len(words) + 1, self.width), dtype=np.uint64)
        lengths = np.full(len(words) + 1, -1, dtype=np.int64)
        for i, raw in enumerate(encoded, start=1):
            table[i] = np.frombuffer(raw.ljust(8 * self.width, b"\0"), dtype="<u8")
            lengths[i] = len(raw)
        self.table, self.lengths = table, lengths
        self.find = _KeyTable(_key(table[1:], lengths[1:])).find  # ids are positions + 1

    @classmethod
    def of(cls, pattern: str, words: list[str]) -> _ByteTokens | None:
        """The byte tokeniser for a simple one-class pattern, None for any other pattern."""
        simple = _SIMPLE.fullmatch(pattern)
        if simple is None or not simple.group(1).isascii():
            return None
        one = re.compile(f"[{simple.group(1)}]")
        member = [c < 128 and one.fullmatch(chr(c)) is not None for c in range(256)]
        shortest = int(simple.group(2) or 1)
        if member[0] or member[ord("\n")] or shortest < 1:
            return None
        ranges: list[tuple[int, int]] = []
        for c in (c for c in range(256) if member[c]):
            if ranges and ranges[-1][1] == c - 1:
                ranges[-1] = (ranges[-1][0], c)
            else:
                ranges.append((c, c))
        try:
            return cls(ranges, shortest, words)
        except ValueError:
            return None

    def word_ids(self, low: pl.Series) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per report, word id of each token) for lower-cased reports."""
        # A newline after each report ends its last token there (it is not of the class).
        arrow = (low.fill_null("") + "\n").to_arrow()
        if arrow.type != pa.large_string():
            arrow = arrow.cast(pa.large_string())
        _, offset_buffer, data_buffer = arrow.buffers()
        offsets = np.frombuffer(
            offset_buffer, dtype=np.int64, count=len(arrow) + 1, offset=8 * arrow.offset
        )
        # Padded so that 8 bytes can be read from any token's start up to its width'th word.
        data = np.zeros(int(offsets[-1] - offsets[0]) + 8 * self.width + 1, dtype=np.uint8)
        data[1 : int(offsets[-1] - offsets[0]) + 1] = np.frombuffer(data_buffer, dtype=np.uint8)[
            offsets[0] : offsets[-1]
        ]
        offsets = offsets - offsets[0] + 1  # data[0] is a padding zero: no token starts before
        member = np.zeros(len(data), dtype=bool)
        for low_byte, high_byte in self.ranges:
            member |= (data >= low_byte) & (data <= high_byte)
        edges = np.flatnonzero(member[1:] != member[:-1]) + 1
        starts, lens = edges[0::2], edges[1::2] - edges[0::2]
        keep = lens >= self.shortest
        starts, lens = starts[keep], lens[keep]
        counts = np.diff(np.searchsorted(starts, offsets))
        view = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
        key = view[starts] & _MASKS[np.minimum(lens, 8)]
        long = np.flatnonzero(lens > 8)  # a word longer than any in the table fails on length
        rows = np.zeros((len(long), self.width), dtype=np.uint64)
        for j in range(self.width):
            rows[:, j] = view[starts[long] + 8 * j] & _MASKS[np.clip(lens[long] - 8 * j, 0, 8)]
        key[long] = _key(rows, lens[long])
        ids = self.find(key)
        same = self.lengths[ids] == lens
        same[long] &= (self.table[ids[long]] == rows).all(axis=1)
        return counts, np.where(same, ids, 0)


_CELLS = 1 << 21  # scratch cells (8 MB) per thread, for a few reports' (report, term) pairs
_SCRATCH = threading.local()


def _first_of_each(doc: np.ndarray, term: np.ndarray, terms: int) -> np.ndarray:
    """Mask of one hit per distinct (report, term) pair; doc must be sorted (binary features).

    Reports are taken a few at a time: each hit writes its index into a scratch cell of its own
    (report, term) pair, and the hit whose index stayed there stands for the pair. Whichever
    write wins, exactly one hit per pair reads its own index back.
    """
    if not len(doc):
        return np.zeros(0, dtype=bool)
    reports = max(1, _CELLS // terms)
    scratch = getattr(_SCRATCH, "cells", None)
    if scratch is None or len(scratch) < reports * terms:
        scratch = np.empty(reports * terms, dtype=np.int32)
        _SCRATCH.cells = scratch  # kept: touching fresh pages costs more than the writes
    index = np.arange(len(doc), dtype=np.int32)
    bounds = np.searchsorted(doc, np.arange(0, int(doc[-1]) + reports + 1, reports))
    once = np.empty(len(doc), dtype=bool)
    for low, high in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if high > low:
            cell = (doc[low:high] - doc[low] // reports * reports).astype(np.int64) * terms
            cell += term[low:high]
            scratch[cell] = index[low:high]
            once[low:high] = scratch[cell] == index[low:high]
    return once


def _key(rows: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One integer per word (rows: its bytes as little-endian 8-byte words): exact up to 8."""
    key = rows[:, 0].copy()
    long = lengths > 8
    mixed = key[long]
    for j in range(1, rows.shape[1]):
        mixed = mixed * _MIX + rows[long, j]
    key[long] = mixed ^ (mixed >> np.uint64(29))
    return key


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
