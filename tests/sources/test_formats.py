"""Every tracker format, read from the project's own small fixtures in the trackers' shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotgate.model import Issue
from hotgate.sources.base import Ignored, Skipped
from hotgate.sources.reader import read_issues

FIXTURES = Path(__file__).parent / "fixtures"


def _read(name: str) -> list[Issue | Skipped | Ignored]:
    return list(read_issues(str(FIXTURES / name)))


@pytest.mark.parametrize(
    ("name", "issues", "ignored", "skipped"),
    [
        ("github_issues.json", 2, 1, 0),
        ("github_issues.jsonl", 2, 1, 0),
        ("gitlab_issues.json", 2, 0, 0),
        ("jira_search_server.json", 2, 0, 0),
        ("jira_search_cloud.json", 1, 0, 0),
        ("jira_export.csv", 3, 0, 0),
        ("gitbugs_bugzilla.csv", 2, 0, 0),
        ("buglist.csv", 2, 0, 0),
        ("show_bug.xml", 2, 1, 0),
        ("bugzilla_rest.json", 2, 0, 0),
        ("bugzilla_comments.jsonl", 2, 0, 0),
    ],
)
def test_every_record_is_read(name: str, issues: int, ignored: int, skipped: int) -> None:
    items = _read(name)
    assert sum(isinstance(i, Issue) for i in items) == issues
    assert sum(isinstance(i, Ignored) for i in items) == ignored
    assert sum(isinstance(i, Skipped) for i in items) == skipped


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        (
            "github_issues.json",
            0,
            {
                "key": "github:acme/shop#41",
                "reactions": 12,
                "duplicates": 2,
                "comment_count": 4,
                "versions": ["2.3"],
            },
        ),
        (
            "github_issues.jsonl",
            2,
            {"key": "github:acme/shop#43", "resolution": "won't fix", "reactions": 2, "body": ""},
        ),
        (
            "gitlab_issues.json",
            0,
            {
                "key": "gitlab:platform/search#7",
                "votes": 25,
                "comment_count": 3,
                "labels": ["bug", "severity::1", "priority::2"],
            },
        ),
        (
            "gitlab_issues.json",
            1,
            {
                "key": "gitlab:platform/search#8",
                "title": "(no summary)",
                "severity_raw": "HIGH",
                "type": "incident",
                "reactions": 1,
            },
        ),
        (
            "jira_search_server.json",
            0,
            {
                "key": "jira:jira.example.org/SHOP-1",
                "priority_raw": "Blocker",
                "watchers": 31,
                "votes": 7,
                "duplicates": 1,
                "versions": ["4.1", "4.2"],
                "comments": ["Same here."],
            },
        ),
        ("jira_search_server.json", 1, {"title": "(no summary)"}),
        (
            "jira_search_cloud.json",
            0,
            {"key": "jira:acme.atlassian.net/WEB-5", "body": "Wrong price on the banner."},
        ),
        (
            "jira_export.csv",
            0,
            {
                "key": "jira:SHOP-11",
                "labels": ["login", "regression"],
                "versions": ["4.0", "4.1"],
                "watchers": 2,
                "comments": ["Confirmed on 4.1"],
                "created": datetime(2021, 9, 30, 17, 20, tzinfo=UTC),
            },
        ),
        ("jira_export.csv", 1, {"key": "jira:SHOP-12", "title": "(no summary)"}),
        ("jira_export.csv", 2, {"created": datetime(2021, 10, 3, 17, 20, tzinfo=UTC)}),
        (
            "gitbugs_bugzilla.csv",
            0,
            {
                "key": "bugzilla:bugzilla#1700001",
                "source": "bugzilla",
                "priority_raw": None,
                "status": "NEW",
            },
        ),
        (
            "buglist.csv",
            0,
            {
                "key": "bugzilla:bugzilla#101",
                "severity_raw": "critical",
                "priority_raw": "P1",
                "product": "Shop",
            },
        ),
        ("buglist.csv", 1, {"type": "enhancement", "severity_raw": None}),
        (
            "show_bug.xml",
            0,
            {
                "key": "bugzilla:bugs.example.org#201",
                "title": "Data loss when saving drafts",
                "body": "Saving a draft loses it. Every time.",
                "labels": ["dataloss", "regression"],
                "watchers": 2,
                "created": datetime(2024, 3, 1, 10, tzinfo=timezone(timedelta(hours=1))),
            },
        ),
        ("bugzilla_rest.json", 0, {"duplicates": 2, "labels": ["crash", "[qa+]"], "watchers": 2}),
        (
            "bugzilla_comments.jsonl",
            0,
            {
                "body": "All bookmarks are gone after sync.",
                "comments": ["Happens to me too.", "And me."],
            },
        ),
        ("bugzilla_comments.jsonl", 1, {"title": "(no summary)"}),
    ],
)
def test_fields_are_read(name: str, index: int, expected: dict[str, Any]) -> None:
    item = _read(name)[index]
    assert isinstance(item, Issue)
    read = {k: getattr(item, k) for k in expected}
    if "comments" in read:
        read["comments"] = [c.text for c in item.comments]
    assert read == expected


def test_bugzilla_crash_signature_and_regressing_bugs_become_labels(tmp_path: Path) -> None:
    bug = {
        "id": 7,
        "summary": "Tab goes away when printing",
        "product": "Core",
        "keywords": ["regression"],
        "cf_crash_signature": "\r\n[@ mozilla::PrintTarget::EndPage ]\r\n[@ EndPage ]",
        "regressed_by": [1929001, "1929002"],
    }
    xml = (
        '<bugzilla urlbase="https://bz.example.org/"><bug><bug_id>8</bug_id>'
        "<short_desc>Tab goes away</short_desc><product>Core</product>"
        "<cf_crash_signature>[@ EndPage ]</cf_crash_signature>"
        "<regressed_by>1929001</regressed_by><regressed_by>1929002</regressed_by></bug></bugzilla>"
    )
    (tmp_path / "bugs.json").write_text(json.dumps({"bugs": [bug]}))
    (tmp_path / "bugs.xml").write_text(xml)
    [rest] = read_issues(str(tmp_path / "bugs.json"))
    [exported] = read_issues(str(tmp_path / "bugs.xml"))
    assert isinstance(rest, Issue) and isinstance(exported, Issue)
    assert rest.labels == [
        "regression",
        "crash-signature: [@ mozilla::PrintTarget::EndPage ]",
        "regressed-by: 1929001, 1929002",
    ]
    assert exported.labels == ["crash-signature: [@ EndPage ]", "regressed-by: 1929001, 1929002"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [({"regressed_by": "1929001"}, "regressed_by"), ({"regressed_by": ["x"]}, "regressed_by")],
)
def test_a_bad_regressing_bug_list_is_named(
    tmp_path: Path, fields: dict[str, Any], named: str
) -> None:
    bug = {"id": 9, "summary": "S", "product": "P", **fields}
    (tmp_path / "bugs.json").write_text(json.dumps({"bugs": [bug]}))
    [item] = read_issues(str(tmp_path / "bugs.json"))
    assert isinstance(item, Skipped) and named in item.reason


def test_native_format_still_rejects_a_missing_title(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"key": "x:1", "source": "hotgate", "title": ""}')
    [item] = read_issues(str(path))
    assert isinstance(item, Skipped)
    assert "title" in item.reason


def test_a_broken_csv_row_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Summary,Issue key,Created\nGood one,A-1,30/Sep/21 17:20\nBad date,A-2,yesterday\n"
    )
    items = list(read_issues(str(path)))
    assert isinstance(items[0], Issue)
    assert isinstance(items[1], Skipped)
    assert items[1].where.endswith("line 3")
    assert "yesterday" in items[1].reason


def test_xml_cut_inside_a_bug_names_the_bug(tmp_path: Path) -> None:
    path = tmp_path / "bugs.xml"
    path.write_text("<bugzilla><bug><bug_id>1</bug_id></bugzilla>")
    items = list(read_issues(str(path)))
    assert items == [Skipped(f"{path} bug 1", "the file ends inside this bug (cut short?)")]


def test_csv_is_streamed_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write("Summary,Issue key,Created\n")
        for n in range(5000):
            handle.write(f"Bug {n},B-{n},30/Sep/21 17:20\n")
    items = read_issues(str(path))
    first = next(items)
    assert isinstance(first, Issue)
    assert first.key == "jira:B-0"
    assert sum(1 for _ in items) == 4999


@pytest.mark.parametrize("offset", [1, 3, 5])
def test_a_forbidden_character_reference_split_across_chunks_is_dropped(
    tmp_path: Path, offset: int
) -> None:
    from hotgate.sources.bugzilla_files import _CHUNK

    head = '<?xml version="1.0"?>\n<bugzilla urlbase="https://b.example/"><bug><bug_id>1</bug_id>'
    head += "<short_desc>Crash</short_desc><product>P</product><long_desc><thetext>"
    filler = "x" * (_CHUNK - len(head) - offset)
    path = tmp_path / "bugs.xml"
    path.write_text(head + filler + "&#x0B;end</thetext></long_desc></bug></bugzilla>")
    [bug] = read_issues(str(path))
    assert isinstance(bug, Issue)
    assert bug.body.endswith("xend")


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters='\n\r",;'),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(_cell, _cell), min_size=1, max_size=8))
def test_any_quoted_text_survives_the_jira_csv_reader(
    tmp_path: Path, rows: list[tuple[str, str]]
) -> None:
    import csv

    path = tmp_path / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Summary", "Issue key", "Created", "Description"])
        for number, (summary, description) in enumerate(rows, 1):
            writer.writerow([summary, f"Q-{number}", "30/Sep/21 17:20", description])
    issues = list(read_issues(str(path)))
    assert [i.key for i in issues if isinstance(i, Issue)] == [
        f"jira:Q-{n}" for n in range(1, len(rows) + 1)
    ]
    for issue, (summary, description) in zip(issues, rows, strict=True):
        assert isinstance(issue, Issue)
        assert issue.title == (summary.strip() or "(no summary)")
        # A cell of only blanks counts as empty, as Jira writes no value there.
        assert issue.body == (description.strip() if description.strip() else "")


def _adf(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(nodes)}


def _para(*runs: str, bold: int | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": run} for run in runs]
    if bold is not None:
        content[bold]["marks"] = [{"type": "strong"}]
    return {"type": "paragraph", "content": content}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (None, ""),
        ("plain text", "plain text"),
        (_adf(_para("Crash when ", "saving", " a file", bold=1)), "Crash when saving a file"),
        (_adf(_para("First."), _para("Second.")), "First.\nSecond."),
        (
            _adf(
                {
                    "type": "bulletList",
                    "content": [
                        {"type": "listItem", "content": [_para("one ", "step")]},
                        {"type": "listItem", "content": [_para("two")]},
                    ],
                }
            ),
            "one step\ntwo",
        ),
        (_adf({"type": "heading", "content": [{"type": "text", "text": "Steps"}]}), "Steps"),
    ],
)
def test_jira_rich_text_keeps_runs_of_one_line_together(document: Any, expected: str) -> None:
    from hotgate.sources.base import text_of

    assert text_of(document) == expected


def test_a_urlbase_that_is_no_url_leaves_the_host_unknown(tmp_path: Path) -> None:
    """Found by fuzzing: urllib raised 'Invalid IPv6 URL' out of the reader for this one."""
    path = tmp_path / "bugs.xml"
    path.write_text(
        '<bugzilla urlbase="https://[bz.example.org/"><bug><bug_id>1</bug_id>'
        "<short_desc>Crash</short_desc><product>P</product></bug></bugzilla>"
    )
    [bug] = read_issues(str(path))
    assert isinstance(bug, Issue)
    assert bug.key.startswith("bugzilla:") and bug.key.endswith("1")
