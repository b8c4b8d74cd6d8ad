"""Reading a report by its structure: prose apart from logs, code and template noise."""

from __future__ import annotations

import orjson
import polars as pl
import pytest

from builders import SHARED_DATA
from hotgate.policy.reading.structure import logs, logs_text, prose, prose_text


def _read(text: str) -> tuple[str, str]:
    frame = pl.DataFrame({"raw": [text]}).select(
        prose=prose(pl.col("raw")), logs=logs(pl.col("raw"))
    )
    return str(frame["prose"][0]), str(frame["logs"][0])


@pytest.mark.parametrize(
    ("text", "in_prose", "not_in_prose", "in_logs"),
    [
        (
            'Saving fails.\n```\nTraceback (most recent call last):\n  File "a.py", line 3\n'
            "ValueError: bad\n```\nThat is all.",
            ["Saving fails.", "That is all."],
            ["Traceback", "ValueError"],
            ["Traceback", "ValueError: bad"],
        ),
        (
            'The job dies.\nException in thread "main" java.lang.NullPointerException\n'
            "\tat org.apache.hadoop.fs.Path.<init>(Path.java:120)\nPlease look.",
            ["The job dies.", "Please look."],
            ["NullPointerException", "Path.java"],
            ["NullPointerException", "Path.java:120"],
        ),
        (
            "{code}\nERROR: crash in module\n{code}\nOnly the summary is prose.",
            ["Only the summary is prose."],
            ["crash in module"],
            ["crash in module"],
        ),
        (
            "thread 'main' panicked at 'index out of bounds', src/lib.rs:4:5\nIt worked on 1.70.",
            ["It worked on 1.70."],
            ["panicked"],
            ["panicked at"],
        ),
        (
            "### Checklist\n- [ ] The app is crashing\n- [x] It shows wrong totals\n",
            ["It shows wrong totals"],
            ["crashing"],
            [],
        ),
        (
            "### Prerequisites\n* [X] I have confirmed this bug exists on the latest version.\n"
            "- [x] I've searched the existing issues\n"
            "1. [x] I can reproduce it on a clean profile\n"
            "- [x] I'm using the most recent release\n- [x] I agree to follow the code of conduct\n"
            "- [x] I can't log in since the update\n- [x] I am unable to check out\n",
            ["I can't log in since the update", "I am unable to check out"],
            ["confirmed", "searched", "reproduce", "recent release", "code of conduct"],
            [],
        ),
        (
            "Only with a custom `Allocator`, `Vec::shrink_to` reads out of bounds.\n"
            "```\nerror: Undefined Behavior\n```",
            ["Only with a custom Allocator, Vec::shrink_to reads out of bounds."],
            ["`", "Undefined"],
            ["Undefined Behavior"],
        ),
        (
            "Steps to reproduce: open it.\nReproducible: Always\nUser Agent: Mozilla/5.0",
            ["Steps to reproduce: open it."],
            ["Always", "Mozilla"],
            [],
        ),
        (
            "> Does it crash for you too?\nNo, it renders a blank page.",
            ["blank page"],
            ["crash"],
            [],
        ),
        (
            "See https://shop.example/checkout/login for the page. <!-- hidden crash -->",
            ["See", "for the page."],
            ["checkout", "login", "hidden crash"],
            [],
        ),
        (
            "Search is slow.\n2021-09-30 17:20:01,123 ERROR Server: timeout\nThat is it.",
            ["Search is slow.", "That is it."],
            ["timeout"],
            ["ERROR Server: timeout"],
        ),
    ],
)
def test_prose_and_logs_are_read_apart(
    text: str, in_prose: list[str], not_in_prose: list[str], in_logs: list[str]
) -> None:
    words, quoted = _read(text)
    for part in in_prose:
        assert part in words
    for part in not_in_prose:
        assert part not in words
    for part in in_logs:
        assert part in quoted
    if not in_logs:
        assert quoted.strip() == ""


def test_a_sentence_that_names_an_exception_stays_prose() -> None:
    words, quoted = _read("Sign-in fails with an exception when the password has a space.")
    assert "exception" in words
    assert quoted == ""


@pytest.mark.parametrize(
    ("raw", "read"),
    [
        (
            "a respondent loses all their\nresponses here",
            "a respondent loses all their responses here",
        ),
        (
            "wrapped by the mail client,\r\n  at eighty columns",
            "wrapped by the mail client, at eighty columns",
        ),
        ("Steps:\n1. open it\n2. Save", "Steps:\n1. open it\n2. Save"),  # a list stays a list
        ("It crashes.\nthen nothing", "It crashes.\nthen nothing"),  # a sentence ended there
        ("Title\n\nbody text", "Title\n\nbody text"),  # a blank line is a real break
        (  # a wrapped line that starts with inline code
            "the test matrix passes. Setting\n`lowercase_usernames: false` restores sign-in",
            "the test matrix passes. Setting lowercase_usernames: false restores sign-in",
        ),
    ],
)
def test_a_line_broken_inside_a_sentence_reads_as_one(raw: str, read: str) -> None:
    """Bugzilla comments and mail are wrapped at about 80 columns; a phrase wrapped over two
    lines ("loses all their / responses") was not read as the phrase."""
    assert pl.select(prose(pl.lit(raw))).item() == read


def _texts() -> list[str]:
    """Texts the two engines could read apart: real report bodies and made-up corners."""
    corners = [
        "a\u00a0https://x.example/y\u00a0b\u2003https://z.example/q\u3000c",
        "```\nunclosed fence\nstill code",
        "- [x] I have searched\n- [ ] crash\n> quoted\nReproducible: Always\r\nUser Agent: X",
        "loses all their\r\nresponses, and\n  then some",
        "Setting\n`flag: false` and\n``x`` fixes it",
        "`code` and ``double`` and a lone ` tick",
        "Ünïcödé Σίσυφος ΣΑΣ\n\tat a.B.c(D.java:1)\n",
        "",
    ]
    path = SHARED_DATA / "trackers" / "github" / "webcompat_web-bugs_issues.jsonl"
    bodies = [str(orjson.loads(line).get("body") or "") for line in path.read_bytes().splitlines()]
    return corners + bodies


def test_one_text_read_in_python_is_read_as_polars_reads_a_batch() -> None:
    texts = _texts()
    frame = pl.DataFrame({"raw": texts}).select(
        prose=prose(pl.col("raw")), logs=logs(pl.col("raw"))
    )
    assert [prose_text(t) for t in texts] == frame["prose"].to_list()
    assert [logs_text(t) for t in texts] == frame["logs"].to_list()
