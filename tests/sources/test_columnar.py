"""The columnar path for JSON Lines decides exactly as reading record by record does."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from builders import AS_OF, SHARED_DATA, github_issue
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.service import Tally, triage_summary
from hotgate.sources.base import Skipped
from hotgate.sources.reader import read_issues, read_items

RECORDS = [
    github_issue(
        "Checkout crashes for all users",
        "Crash. There is no workaround.",
        number=1,
        labels=("bug", "severity: critical"),
        reactions={"total_count": 40},
    ),
    github_issue("Typo in footer", "", number=2, labels=("good first issue",)),
    github_issue(
        "Search hangs only when offline",
        "Workaround: simply reload.",
        number=3,
        type={"name": "Bug"},
        events=[{"event": "marked_as_duplicate"}],
    ),
    github_issue("Fix the cart", "Fixes #1", number=4, pull_request={"url": "https://x/pulls/4"}),
    github_issue(
        "Upload fails with an error", "Error on upload.", number=5, state_reason="not_planned"
    ),
]


def _summaries(
    tmp_path: Path, policy: Policy, records: list[dict[str, object]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    lines = tmp_path / "issues.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    array = tmp_path / "issues.json"
    array.write_text(json.dumps(records))
    context = Context(as_of=AS_OF)
    fast, slow = Tally(), Tally()
    by_columns = triage_summary(str(lines), policy, context, fast)
    by_records = triage_summary(str(array), policy, context, slow)
    assert (fast.decided, fast.ignored) == (slow.decided, slow.ignored)
    return by_columns, by_records


def test_json_lines_are_read_as_columns(tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    items = list(read_items(str(path)))
    frames = [i for i in items if isinstance(i, pl.DataFrame)]
    assert len(frames) == 1
    assert frames[0].height == 4  # the pull request is counted as ignored, not decided
    assert not any(isinstance(i, Issue) for i in items)


def test_columns_and_records_decide_alike(tmp_path: Path, policy: Policy) -> None:
    by_columns, by_records = _summaries(tmp_path, policy, RECORDS)
    assert by_columns.equals(by_records)
    assert by_columns.height == 4


def test_a_bad_line_sends_its_block_back_to_records(tmp_path: Path, policy: Policy) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(r) for r in RECORDS[:3]]
    path.write_text("\n".join([lines[0], "{oops", lines[1], lines[2]]) + "\n")
    tally = Tally()
    summary = triage_summary(str(path), policy, Context(as_of=AS_OF), tally)
    assert summary.height == 3
    assert [str(s) for s in tally.skipped] == [
        f"{path} line 2: not valid JSON (unexpected character, expected a string key)"
    ]


def test_an_empty_title_falls_back_to_the_tracker_reading(tmp_path: Path, policy: Policy) -> None:
    records = [github_issue("", "Crash.", number=9), RECORDS[0]]
    by_columns, by_records = _summaries(tmp_path, policy, records)
    assert by_columns.equals(by_records)
    assert "(no summary)" in by_columns["title"].to_list()


@pytest.mark.realdata
def test_real_webcompat_issues_decide_alike(tmp_path: Path, policy: Policy) -> None:
    source = SHARED_DATA / "trackers" / "github" / "webcompat_web-bugs_issues.jsonl"
    records = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    by_columns, by_records = _summaries(tmp_path, policy, records)
    assert by_columns.height == 100
    assert by_columns.equals(by_records)


@pytest.mark.parametrize("block", [1, 40, 300, 1 << 20])
def test_blocks_cut_anywhere_read_every_line_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Whatever the block size, every issue is read once in order and a bad line is named by
    its number in the whole file, blank lines counted; the last line may lack its newline."""
    monkeypatch.setattr("hotgate.sources.reader.BLOCK_BYTES", block)
    good = [
        json.dumps(github_issue(f"Crash number {n}", "It crashes.", number=n)) for n in range(8)
    ]
    lines = [*good[:3], "", "   ", *good[3:6], "{oops", *good[6:]]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines))  # no newline at the end
    issues = list(read_issues(str(path)))
    keys = [i.key for i in issues if isinstance(i, Issue)]
    assert keys == [f"github:acme/shop#{n}" for n in range(8)]
    skipped = [str(i) for i in issues if isinstance(i, Skipped)]
    assert skipped == [
        f"{path} line 9: not valid JSON (unexpected character, expected a string key)"
    ]


GOOD = [json.dumps(github_issue(f"Crash number {n}", "It crashes.", number=n)) for n in range(4)]


@pytest.mark.parametrize(
    ("lines", "bad_line"),
    [
        ([GOOD[0], "", *GOOD[1:]], None),  # a blank second line
        ([GOOD[0], "   ", "", *GOOD[1:]], None),
        (["{oops", *GOOD], 1),  # a bad first line: the rest is still JSON Lines
        (["", "", GOOD[0], GOOD[1], "{oops", *GOOD[2:]], 5),  # numbered in the whole file
    ],
    ids=["blank-second-line", "blank-lines-after-the-first", "bad-first-line", "leading-blanks"],
)
def test_json_lines_are_recognised_whatever_their_first_lines(
    tmp_path: Path, lines: list[str], bad_line: int | None
) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    read = list(read_issues(str(path)))
    keys = [i.key for i in read if isinstance(i, Issue)]
    assert keys == [f"github:acme/shop#{n}" for n in range(4)]
    skipped = [str(i) for i in read if isinstance(i, Skipped)]
    if bad_line is None:
        assert skipped == []
    else:
        assert skipped == [
            f"{path} line {bad_line}: not valid JSON (unexpected character, expected a string key)"
        ]


def test_a_pretty_printed_object_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(github_issue("Crash", "It crashes.", number=3), indent=2))
    [issue] = read_issues(str(path))
    assert isinstance(issue, Issue)
    assert issue.key == "github:acme/shop#3"


def test_a_first_line_holding_an_array_of_issues_is_read_as_json_lines(tmp_path: Path) -> None:
    """A whole JSON value on the first line and more lines after it is JSON Lines, whatever
    the value: the array's issues and the lines after it are all read (none were, past it)."""
    path = tmp_path / "mixed.jsonl"
    path.write_text(f"[{GOOD[0]}, {GOOD[1]}]\n{GOOD[2]}\n\n{GOOD[3]}\n")
    read = list(read_issues(str(path)))
    assert [i.key for i in read if isinstance(i, Issue)] == [
        f"github:acme/shop#{n}" for n in range(4)
    ]
    assert [i for i in read if isinstance(i, Skipped)] == []


def test_each_element_of_an_array_line_is_named_apart(tmp_path: Path) -> None:
    path = tmp_path / "array-line.jsonl"
    path.write_text(f'{GOOD[0]}\n[1, {GOOD[1]}, "x"]\n{GOOD[2]}\n')
    read = list(read_issues(str(path)))
    assert [i.key for i in read if isinstance(i, Issue)] == [
        f"github:acme/shop#{n}" for n in range(3)
    ]
    assert [str(i) for i in read if isinstance(i, Skipped)] == [
        f"{path} line 2 record 1: expected an object, got int",
        f"{path} line 2 record 3: expected an object, got str",
    ]


def test_text_after_a_json_array_is_named_not_dropped(tmp_path: Path) -> None:
    """A pretty-printed array with more after it is neither one document nor JSON Lines: the
    array's issues are read and the line where the rest begins is named as not read."""
    records = [json.loads(line) for line in GOOD]
    pretty = json.dumps(records[:2], indent=2)
    path = tmp_path / "array-and-more.json"
    path.write_text(f"\n\n{pretty}\n{GOOD[2]}\n{GOOD[3]}\n")
    read = list(read_issues(str(path)))
    assert [i.key for i in read if isinstance(i, Issue)] == [
        "github:acme/shop#0",
        "github:acme/shop#1",
    ]
    line = 2 + pretty.count("\n") + 2  # the blank lines, the array's lines, then the next line
    assert [str(i) for i in read if isinstance(i, Skipped)] == [
        f"{path} line {line}: not read: text goes on after the JSON array ends"
    ]
