"""The policy's text patterns as each regex engine is given them: ASCII classes on both sides.

Patterns are written once, in the syntax Python's `re` and polars' (Rust) engine share. Both
engines are handed `\\b` and `\\B` as ASCII word boundaries: Rust's fast engine (a lazy DFA)
gives up on a Unicode word boundary as soon as a text holds a non-ASCII character and falls
back to a slower one. On 20,000 reports sampled from the real exports (6,143 of them with a
non-ASCII character), deciding the batch (`engine.evaluate`) took 7.4 s with Unicode
boundaries and 1.0 s with ASCII ones; the prose pass alone 2.2 s against 0.18 s (polars
1.x on this project's 2-core machines, 2026-12-01, `bench/bench_triage.py` gives the whole
command). The word and digit classes `\\w` and `\\d` are handed over as their ASCII sets too:
Unicode's word class holds over a hundred thousand characters, which makes the automaton large
to build and to run; deciding 40,000 real reports took 1.03-1.16 s with Unicode classes and
0.85 s with ASCII ones (polars 2.1, same machines, 2026-12-01). The lexicon's words are
ASCII, so the only text read differently is a word glued to a non-ASCII letter ("naïve" holds
an ASCII-bounded "ve") or a digit of another script; both engines read it the same way, so an
excerpt is always found where a signal was (tests/policy/test_patterns.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

import polars as pl
import re2

# A \b or \B that is not itself escaped (an even run of backslashes before it).
_BOUNDARY = re.compile(r"(?<!\\)((?:\\\\)*)\\([bB])")
# Word and digit classes as ASCII sets, in a set (`[\w.-]`) and out of one (`\w+`).
_ASCII_SETS = {"w": "0-9A-Za-z_", "d": "0-9"}


def _ascii_sets(pattern: str) -> str:
    """The pattern with each unescaped \\w and \\d written as its ASCII set."""
    out: list[str] = []
    i, in_set, opening = 0, False, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            ascii_set = _ASCII_SETS.get(pattern[i + 1])
            if ascii_set is None:
                out.append(pattern[i : i + 2])
            else:
                out.append(ascii_set if in_set else f"[{ascii_set}]")
            i, opening = i + 2, False
            continue
        if in_set:
            in_set = char != "]" or opening  # a ] first in a set is a literal ]
            opening = False
        elif char == "[":
            in_set = opening = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _ascii(pattern: str, flag: str) -> str:
    """The pattern with ASCII word and digit classes, and each boundary in a group of the
    engine's ASCII flag (`-u` for Rust, `a` for Python)."""
    return _BOUNDARY.sub(rf"\1(?{flag}:\\\2)", _ascii_sets(pattern))


def for_polars(pattern: str) -> str:
    """The pattern for polars' `str` regex methods: word boundaries, word and digit classes
    ASCII."""
    return _ascii(pattern, "-u")


# Rust's \s is Unicode's White_Space; RE2's is ASCII. Written out, RE2 reads it as polars does.
_UNICODE_SPACE = (
    r"[\t\n\x{0b}\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}]"
)
_NOT_SPACE = _UNICODE_SPACE.replace("[", "[^", 1)


def for_re2(pattern: str) -> str:
    """The pattern for RE2, read as polars reads `for_polars`'s: its leading flags scoped to it
    (`(?s)x` as `(?s:x)`, so patterns join into one alternation), \\s and \\S as Unicode's
    white space, \\w and \\d as their ASCII sets (as `for_polars` gives them to polars). A \\s
    in a set is read only at the start of a negated one (`[^\\s…]`), as in structure.py."""
    flags = re.match(r"\(\?([a-z]+)\)", pattern)
    body = pattern[flags.end() :] if flags else pattern
    body = body.replace(r"[^\s", "[^" + _UNICODE_SPACE[1:-1]).replace(r"\s", _UNICODE_SPACE)
    body = body.replace(r"\S", _NOT_SPACE)
    return f"(?{flags.group(1)}:{_ascii_sets(body)})" if flags else f"(?:{_ascii_sets(body)})"


@lru_cache(maxsize=4096)  # the policies in use hold a few hundred patterns
def compiled(pattern: str) -> re.Pattern[str]:
    """The pattern compiled for Python's `re`, read as `for_polars` reads it.

    Raises re.error for a pattern Python cannot read.
    """
    return re.compile(_ascii(pattern, "a"))


class Searcher(Protocol):
    """A compiled pattern's search: Python's re and RE2 both answer with a match or None."""

    def search(self, text: str) -> _Match | None: ...


class _Match(Protocol):
    def start(self) -> int: ...

    def end(self) -> int: ...


# Syntax RE2 reads differently from polars and Python (\s, \W and \D are ASCII in RE2, Unicode in
# the others; \Z, \p and inline flags other than i and s; set operations in a class): such a
# pattern is searched with Python's re instead.
_NOT_FOR_RE2 = re.compile(r"(?<!\\)(?:\\\\)*\\[sSWDpPZ]|\(\?[^:is)]|&&|~~|\[[^\]]*--")


@lru_cache(maxsize=4096)
def searcher(pattern: str) -> Searcher:
    """The pattern compiled for searching single texts: RE2 where it reads the pattern as polars
    does, else Python's re (`compiled`).

    RE2 runs in time linear in the text, whatever the pattern: Python's re takes time quadratic in
    the text for a pattern with a gap after a common word ('(?:using|…) [^;\\n]*? avoids'): 3.5 s
    on 20 KB of 'using using …', 9.8 s on 40 KB, and an assessment may carry 2 MB. Its \\b, \\w
    and \\d are ASCII, as `for_polars` makes them for polars. Raises re.error for a pattern
    neither reads.
    """
    if not _NOT_FOR_RE2.search(pattern):
        try:
            return re2.compile(_ascii_sets(pattern))  # type: ignore[no-any-return]
        except re2.error:
            pass
    return compiled(pattern)


# Polars keeps 32 compiled regexes per thread (polars-utils' regex_cache.rs, polars 2.1). A
# query over more distinct patterns than that compiles them all again on every run, which on
# a batch of one bug is most of its cost: the decision query holds about 40, and evaluating one
# bug took 15 ms (30 ms of CPU) with them all in polars, 6 ms with the lexicon's matches in
# Python (measured 2026-12-01 on this project's 2-core machines). Batches up to this many rows
# match the lexicon one text at a time (`searcher`); larger ones pay the compiling once and gain
# polars' speed. On 2026-12-01 RE2 took 0.32 ms a report for the lexicon's 32 alternations where
# Python's re took 4.9 ms; one decision went from 22-27 ms to 18-24 ms.
SMALL_BATCH = 32


# Polars' regex engine (a lazy DFA with a cache of fixed size) slows down sharply once one
# alternation holds more states than the cache: on 20,000 real-text reports the 38 patterns of
# wrong_results (2,847 characters) took 270 ms as one regex and 43-58 ms in groups (2026-12-01,
# this project's 2-core machines), while a small alternation is faster searched once. So a
# signal's patterns go to polars in groups of at most this many characters.
GROUP_CHARACTERS = 1500


def any_of(patterns: list[str]) -> str:
    """One pattern that matches where any of the patterns does (a non-capturing alternation)."""
    return "(?:" + "|".join(patterns) + ")"


def groups(patterns: list[str]) -> list[str]:
    """The patterns as alternations of at most GROUP_CHARACTERS each (a longer pattern alone),
    in order."""
    out: list[list[str]] = [[]]
    for pattern in patterns:
        if out[-1] and sum(map(len, out[-1])) + len(pattern) > GROUP_CHARACTERS:
            out.append([])
        out[-1].append(pattern)
    return [any_of(group) for group in out if group]


def matches_any(text: pl.Expr, patterns: list[str], small: bool) -> pl.Expr:
    """`matches` for the alternation of the patterns: one search per text with `small`, else
    polars' search for each group of them (`groups`), which is the same answer."""
    parts = groups(patterns)
    if small or len(parts) == 1:
        return matches(text, any_of(patterns), small)
    return pl.any_horizontal([matches(text, group, small) for group in parts])


def first_match(text: pl.Expr, patterns: list[str]) -> pl.Expr:
    """The byte offset of the first match of any of the patterns (UInt32, null for none): the
    earliest of each group's first match, as polars' `str.find` of the whole alternation."""
    return pl.min_horizontal([text.str.find(for_polars(group)) for group in groups(patterns)])


def matches(text: pl.Expr, pattern: str, small: bool) -> pl.Expr:
    """Whether each text holds a match of pattern (Boolean, null for a null text).

    With `small` the match is RE2's or Python's (`searcher`), else polars' (`for_polars`); they read
    every lexicon pattern alike (tests/policy/test_patterns.py). Raises nothing itself; an
    invalid pattern fails when the query runs.
    """
    if not small:
        return text.str.contains(for_polars(pattern))
    search = searcher(pattern).search

    def found(texts: pl.Series) -> pl.Series:
        return pl.Series(
            [None if t is None else search(t) is not None for t in texts], dtype=pl.Boolean
        )

    return text.map_batches(found, return_dtype=pl.Boolean)
