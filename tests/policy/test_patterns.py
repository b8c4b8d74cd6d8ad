"""Both regex engines read the policy's patterns alike: ASCII word boundaries, word and digit
classes on each side."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from builders import SHARED_DATA, far_release, mixed_issues
from hotgate.model import Issue
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.definition.patterns import (
    GROUP_CHARACTERS,
    any_of,
    compiled,
    first_match,
    for_polars,
    groups,
    matches_any,
    searcher,
)
from hotgate.policy.definition.schema import load_policy
from hotgate.policy.reading import signals
from hotgate.policy.reading.signals import find_in_text, issues_frame

POLICY = load_policy(None)
# Every text pattern of the default lexicon, one per signal, and the structure pass's.
LEXICON = {name: any_of(spec.text) for name, spec in POLICY.signals.items() if spec.text}


def polars_hits(pattern: str, texts: list[str]) -> list[bool]:
    return pl.Series(texts, dtype=pl.String).str.contains(for_polars(pattern)).to_list()


@pytest.mark.parametrize(
    ("pattern", "rewritten"),
    [
        (r"\bcrash", r"(?-u:\b)crash"),
        (r"\bpanic(?:s|ked)?\b", r"(?-u:\b)panic(?:s|ked)?(?-u:\b)"),
        (r"a\Bb", r"a(?-u:\B)b"),
        (r"\\b", r"\\b"),  # an escaped backslash then the letter b: left alone
        (r"\\\b", r"\\(?-u:\b)"),  # an escaped backslash, then a boundary
        (r"[\d.]+\s", r"[0-9.]+\s"),  # digits become ASCII, whitespace stays as it is
        (r"\bat [\w$.<>]+\(", r"(?-u:\b)at [0-9A-Za-z_$.<>]+\("),
        (r"update \w+ set", r"update [0-9A-Za-z_]+ set"),
        (r"[^\d]\d{4}", r"[^0-9][0-9]{4}"),
        (r"[]\w]", r"[]0-9A-Za-z_]"),  # a ] first in a set is a literal one
        (r"[\]\w]x\w", r"[\]0-9A-Za-z_]x[0-9A-Za-z_]"),  # an escaped ] does not end the set
        (r"\\w\W\D", r"\\w\W\D"),  # an escaped backslash then w; negated classes untouched
    ],
)
def test_word_boundaries_become_ascii_for_polars(pattern: str, rewritten: str) -> None:
    assert for_polars(pattern) == rewritten


def test_a_word_glued_to_a_non_ascii_letter_is_read_alike_by_both_engines() -> None:
    texts = ["naïve crash", "écrasé", "the app crashes", "déjàcrash", "crash–report", "Ünicode"]
    for pattern in (r"\bcrash", r"\bve\b", r"\bcrash\b", r"\w+\b"):
        python = [bool(compiled(pattern).search(text)) for text in texts]
        assert polars_hits(pattern, texts) == python, pattern
    # The one reading that differs from Unicode boundaries, the same in both engines.
    assert compiled(r"\bve\b").search("naïve") is not None
    assert polars_hits(r"\bve\b", ["naïve"]) == [True]


_TEXT = st.text(
    alphabet=st.sampled_from(list("crash panic wrong tooltip 5% ïéß–日٣ \n.,:-_0123")),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(_TEXT, min_size=1, max_size=20))
@example(texts=["ïcrash", "crashé", "tooltipß", "wrong valueé", "日panic"])
def test_the_lexicon_matches_the_same_texts_in_both_engines(texts: list[str]) -> None:
    for name, pattern in LEXICON.items():
        python = [bool(compiled(pattern).search(text.lower())) for text in texts]
        lowered = [text.lower() for text in texts]
        assert polars_hits(pattern, lowered) == python, name


def test_a_signal_polars_finds_next_to_non_ascii_text_has_its_excerpt() -> None:
    # The batch finds the signal with polars; the card's excerpt is found with Python's re.
    text = "Après la mise à jour, l'appli crash au démarrage: écran noir."
    assert polars_hits(LEXICON["crash"], [text.lower()]) == [True]
    found = find_in_text(POLICY.signals["crash"].text, text, None)
    assert found is not None and "crash" in found


# --- a small batch (the lexicon matched in Python) decides as a large one (matched in polars) --


def _small_and_large(issues: list[Issue], monkeypatch: pytest.MonkeyPatch) -> list[pl.DataFrame]:
    frame = issues_frame(issues)
    decided = []
    for small_batch in (len(issues), 0):  # every row in Python, then every row in polars
        monkeypatch.setattr(signals, "SMALL_BATCH", small_batch)
        decided.append(evaluate(POLICY, frame, far_release()))
    return decided


def test_a_small_batch_decides_as_a_large_one(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = _small_and_large(mixed_issues(), monkeypatch)
    assert small["crash"].to_list() == [True, False, False, False, False]  # not vacuous
    assert_frame_equal(small, large)


@pytest.mark.realdata
def test_a_small_batch_decides_real_reports_as_a_large_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = pl.read_parquet(SHARED_DATA / "training" / "bug_severity_public.parquet").sample(
        400, seed=3
    )
    issues = [
        Issue(key=f"r:{i}", source="r", title=title or "untitled", body=body or "")
        for i, (title, body) in enumerate(rows.select("summary", "description").iter_rows())
    ]
    small, large = _small_and_large(issues, monkeypatch)
    assert_frame_equal(small, large)


# The words signals.CLAUSE_BREAK turns into ';' before the prose patterns read the text.
_CLAUSE_WORD = re.compile(r"(?<![\w\\])(?:but|however|although|though|whereas|yet|except)(?!\w)")


def _prose_patterns() -> list[tuple[str, str]]:
    """(signal, pattern) for every pattern that reads the prose (`logs` read quoted output)."""
    return [
        (name, pattern)
        for name, spec in POLICY.signals.items()
        for pattern in (*spec.text, *spec.workaround_text)
    ]


def test_no_prose_pattern_waits_for_a_clause_word() -> None:
    """A prose pattern that needs "but" or "although" could never match: those words are ';'
    by the time the patterns read the text. Three of the lexicon's patterns were dead so."""
    dead = [(name, p) for name, p in _prose_patterns() if _CLAUSE_WORD.search(p)]
    assert dead == []
    text = signals.compiled(signals.CLAUSE_BREAK).sub(";", "the total should be 42 but is 13")
    assert compiled(any_of(POLICY.signals["wrong_results"].text)).search(text)


def _every_pattern() -> list[tuple[str, str]]:
    """(signal, pattern) for every text, workaround and log pattern of the default lexicon."""
    return [
        (name, pattern)
        for name, spec in POLICY.signals.items()
        for pattern in (*spec.text, *spec.workaround_text, *spec.logs)
    ]


def test_no_pattern_has_a_counted_gap() -> None:
    """A counted gap ('.{1,40}') made a signal up to 15 times slower to read than the same gap
    kept within a clause ('[^;\\n]*?'): default.yaml's lexicon uses none."""
    counted = re.compile(r"(?<!\\)\.\{\d*,\d*\}")
    assert [(name, p) for name, p in _every_pattern() if counted.search(p)] == []


def test_no_pattern_starts_with_a_repeated_class() -> None:
    """Python's re tries a pattern at every position of the text: one that starts with a
    repeated class ('(?:[^\\s;]+ ){0,6}works…') reads a long word again from each of its letters,
    which took minutes on a 1.5-million-character title. A pattern starts with something fixed."""
    leading_repeat = re.compile(
        r"^(?:\\b|\(\?[:s]+)*\[(?:\\.|[^\]])+\](?:[+*]|\{\d*,)|^(?:\(\?:)+\["
    )
    assert [(name, p) for name, p in _every_pattern() if leading_repeat.search(p)] == []
    assert leading_repeat.search(r"(?:[^\s;]+ ){0,6}(?:works|helps) in the meantime")
    assert leading_repeat.search(r"\b[a-z]+ crash")
    assert not leading_repeat.search(r"(?:^|[ \t\n(`])--?[a-z][^;\n]*?\bgives")


# --- single texts are searched with RE2, whose time is linear in the text ---------------------


def test_every_lexicon_pattern_is_searched_with_re2() -> None:
    """A bug decided alone, and every excerpt, is searched pattern by pattern in Python: with
    RE2 for all of the default lexicon, so no report can make a search quadratic."""
    fallbacks = [
        name
        for name, spec in POLICY.signals.items()
        for patterns in (spec.text, spec.workaround_text, spec.logs)
        if patterns and isinstance(searcher(any_of(patterns)), re.Pattern)
    ]
    assert fallbacks == []


def test_a_pattern_re2_reads_otherwise_is_searched_with_python() -> None:
    # \s is ASCII in RE2 and Unicode in polars and Python: a no-break space tells them apart.
    assert isinstance(searcher(r"a\sb"), re.Pattern)
    assert searcher(r"a\sb").search("a\xa0b") is not None
    assert polars_hits(r"a\sb", ["a\xa0b"]) == [True]
    assert not isinstance(searcher(r"\bcrash(?:es|ed)?\b"), re.Pattern)


def _signal(name: str, title: str, body: str = "", labels: list[str] | None = None) -> bool:
    """Whether one issue with this title, body and labels shows the signal, as a batch reads it."""
    issue = Issue(
        key="github:acme/shop#1", source="github", title=title, body=body, labels=labels or []
    )
    read = evaluate(load_policy(), issues_frame([issue]), far_release())
    return bool(read[name].item())


@pytest.mark.parametrize(
    ("label", "signal"),
    [
        ("type::feature", "enhancement"),  # GitLab's scoped labels
        ("type::enhancement", "enhancement"),
        ("type::docs", "documentation"),
        ("type::security", "security"),
        ("type::regression", "regression"),
        ("impact::high", "every_user"),
        ("impact::low", "edge_case"),
        ("Type: Feature Request", "enhancement"),  # GitHub's usual spellings
        ("type: feature", "enhancement"),
        ("type/crash", "crash"),
        ("impact-high", "every_user"),
    ],
)
def test_a_label_sets_its_signal_whichever_separator_the_tracker_uses(
    label: str, signal: str
) -> None:
    assert _signal(signal, "Something", labels=[label])
    assert not _signal(signal, "Something")


# Wordings the lexicon must read, each beside near misses it must not: (signal, title, body).
WORDINGS = [
    # A timeout met is a hang; a timeout talked about (a setting, a value to change) is not.
    ("hang", "Uploads fail", "Since 2.3 every upload to the bucket times out after 60 s.", True),
    ("hang", "Deploy broken", "The deploy step timed out twice today, the third run too.", True),
    ("hang", "Slow login", "Users get a gateway timeout when they log in from the app.", True),
    ("hang", "Tax service", "Intermittent timeouts calling the tax service at checkout.", True),
    ("hang", "Mail", "No email access possible, only a timeout message.", True),
    ("hang", "Sync", "The nightly sync keeps timing out on large accounts.", True),
    ("hang", "Increase the CI job timeout from 5 to 8 hours", "The build needs longer.", False),
    ("hang", "Make the connection timeout configurable", "Users want to set it per client.", False),
    (
        "hang",
        "Document the read timeout option",
        "The default timeout value is not in the docs.",
        False,
    ),
    ("hang", "Retry policy", "Customise the timeouts per request type and log them.", False),
    # Waiting that never ends, told as the reporter sees it.
    ("hang", "Report", "After I press Pay the page just sits there.", True),
    ("hang", "Report", "The popup keeps spinning and nothing else happens.", True),
    ("hang", "Report", "The spinner never stops on the booking step.", True),
    ("hang", "Report", "It sits on the shelf next to the router.", False),
    # A report that says the result is right.
    (
        "still_works",
        "Message on build",
        "We get this warning on every build. The build output is correct, it's just noise.",
        True,
    ),
    (
        "still_works",
        "Message on build",
        "A deprecation message on start-up; the results are still correct.",
        True,
    ),
    (
        "still_works",
        "Message on build",
        "It prints a harmless warning about the cache folder.",
        True,
    ),
    (
        "still_works",
        "Message on build",
        "The upgrade didn't break anything, but the log is full of these lines.",
        True,
    ),
    (
        "still_works",
        "Message on build",
        "Only the bottom of the page is correct, the rest is blank.",
        False,
    ),
    (
        "still_works",
        "Message on build",
        "The totals are wrong since 3.1: the report is correct only for one account.",
        False,
    ),
    # Output that contradicts the facts, or answers mixed up between requests.
    (
        "wrong_results",
        "Report",
        "Since 9.2 the PDF export has the tables but every chart is an empty box.",
        True,
    ),
    ("wrong_results", "Report", "In the invoice e-mail the totals are blank.", True),
    (
        "wrong_results",
        "Report",
        'Some products show "Sold out" although the warehouse has them.',
        True,
    ),
    (
        "wrong_results",
        "Report",
        "The shop lists the jacket as unavailable, but we have 40 in stock.",
        True,
    ),
    ("wrong_results", "Report", "Under load the replies are mixed up between hosts.", True),
    ("wrong_results", "Report", "Two queries can get each other's replies.", True),
    ("wrong_results", "Report", "resolve() returns the address of a different host.", True),
    ("wrong_results", "Report", "The page shows a spinner for a second, then the orders.", False),
    ("wrong_results", "Report", "Please add a chart of refunds to the dashboard.", False),
    ("wrong_results", "Report", "The menu items are mixed in colour.", False),
    # Someone else's data shown: a privacy breach, however plainly it is told.
    ("security", "Report", "After switching profiles the PDF shows a different patient.", True),
    ("security", "Report", "The results list can show the records of another user.", True),
    ("security", "Report", "This is a reportable personal data breach.", True),
    ("security", "Report", "It shows a different colour on the second tab.", False),
    # What a user made that vanishes, in any tense or number.
    ("data_loss", "Report", "A few of my notes have simply vanished since 2.9.", True),
    ("data_loss", "Report", "My draft is gone after the reload.", True),
    ("data_loss", "Report", "Edits on a read-only file are lost without warning.", True),
    ("data_loss", "Report", "The tooltip disappears after a second.", False),
    ("data_loss", "Report", "In CI a file jira-json goes missing now and then.", False),
    # Something the product never had is a request, not a defect.
    ("enhancement", "Report", "The shop has never had a dark theme; it is on the roadmap.", True),
    ("enhancement", "Report", "We have never offered Apple Pay. This is new scope.", True),
    ("enhancement", "Report", "Converting this to a story for Q1 planning.", True),
    (
        "enhancement",
        "Report",
        "The exception window is never offered after a failed connection.",
        False,
    ),
    ("enhancement", "Report", "The app has never had this problem before 2.9.", False),
    # A restriction put after what it restricts.
    ("edge_case", "Report", "The new load traps on 32-bit ARM only.", True),
    ("edge_case", "Report", "Crash reporting has this on SM-F900* only: 3 users in 30 days.", True),
    ("edge_case", "Report", "The integration in hadoop-aws only supports this approach.", False),
    # A function that stops, or never does its work.
    ("broken", "Report", "Some of my messages never reached the other person.", True),
    (
        "broken",
        "Report",
        "Every video plays ~10 sec then stops after 10 seconds with E-4102.",
        True,
    ),
    ("broken", "Report", "0 accepted transmissions since the 7.3.0 deploy.", True),
    ("broken", "Report", "The dashboards flatlined right at the upgrade.", True),
    ("broken", "Report", "Users can't file their return.", True),
    ("broken", "Report", "It waits 10 seconds before the first retry, as documented.", False),
]


@pytest.mark.parametrize(("signal", "title", "body", "read"), WORDINGS)
def test_a_wording_reads_as_its_signal_and_a_near_miss_does_not(
    signal: str, title: str, body: str, read: bool
) -> None:
    assert _signal(signal, title, body) == read


def test_patterns_go_to_polars_in_groups_that_keep_every_pattern_once() -> None:
    patterns = [f"p{i}" * 50 for i in range(40)]  # 100 to 150 characters each
    found = groups(patterns)
    assert len(found) > 1  # split ...
    # each group's patterns (its alternatives, without "(?:", "|" and ")") within the budget
    assert all(sum(map(len, g[3:-1].split("|"))) <= GROUP_CHARACTERS for g in found)
    assert "|".join(g[3:-1] for g in found) == "|".join(patterns)  # ... in order, each once
    assert groups(["a", "b"]) == ["(?:a|b)"]
    assert groups(["x" * (GROUP_CHARACTERS + 1)]) == ["(?:" + "x" * (GROUP_CHARACTERS + 1) + ")"]


@pytest.mark.realdata
def test_grouped_patterns_find_what_one_alternation_finds() -> None:
    """`matches_any` and `first_match` give polars the patterns in groups: the same answers as
    one alternation, on real report text."""
    rows = pl.read_parquet(SHARED_DATA / "training" / "bug_severity_public.parquet").sample(
        2_000, seed=5
    )
    texts = rows.select(
        text=pl.concat_str(
            "summary", "description", separator="\n", ignore_nulls=True
        ).str.to_lowercase()
    )
    for name, spec in POLICY.signals.items():
        if len(groups(spec.text)) < 2:
            continue
        whole = for_polars(any_of(spec.text))
        got = texts.select(
            any=matches_any(pl.col("text"), spec.text, small=False),
            first=first_match(pl.col("text"), spec.text),
            want_any=pl.col("text").str.contains(whole),
            want_first=pl.col("text").str.find(whole),
        )
        assert got["any"].to_list() == got["want_any"].to_list(), name
        assert got["first"].to_list() == got["want_first"].to_list(), name
        assert got["any"].any(), name  # not vacuous
