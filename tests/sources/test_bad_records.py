"""Issue 13, section 3: one bad record is skipped and named; the good ones are all decided."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from builders import github_issue
from hotgate.model import Issue
from hotgate.sources.base import Skipped
from hotgate.sources.reader import read_issues

BOM = b"\xef\xbb\xbf"


def _read(path: Path) -> tuple[list[Issue], list[Skipped]]:
    items = list(read_issues(str(path)))
    return [i for i in items if isinstance(i, Issue)], [i for i in items if isinstance(i, Skipped)]


def _line(number: int, **extra: object) -> bytes:
    return orjson.dumps(github_issue(f"Bug {number}", "Crash.", number=number, **extra))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.json", BOM + orjson.dumps([github_issue("One", number=1)])),
        ("a.jsonl", BOM + _line(1) + b"\n" + _line(2) + b"\n"),
        ("a.yaml", BOM + b"kind: issue\nkey: a:1\nsource: hotgate\ntitle: One\n"),
        ("a.csv", BOM + b"Summary,Issue key\nOne,A-1\n"),
        (
            "a.xml",
            BOM
            + b'<?xml version="1.0" encoding="UTF-8"?><bugzilla urlbase="https://bz.example.org/">'
            b"<bug><bug_id>1</bug_id><short_desc>One</short_desc><product>P</product></bug></bugzilla>",
        ),
    ],
)
def test_a_byte_order_mark_is_accepted_in_every_format(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    issues, skipped = _read(path)
    assert skipped == []
    assert len(issues) >= 1


def test_one_invalid_byte_skips_one_record_of_a_json_array(tmp_path: Path) -> None:
    path = tmp_path / "bugs.json"
    records = [orjson.dumps(github_issue(f"Bug {n}", number=n)) for n in (1, 2, 3)]
    records[1] = records[1].replace(b"Bug 2", b"Bug \xff2")
    path.write_bytes(b"[" + b",".join(records) + b"]")
    issues, skipped = _read(path)
    assert [i.title for i in issues] == ["Bug 1", "Bug 3"]
    assert skipped == [Skipped(f"{path} record 2", "field 'title' is not valid UTF-8")]


def test_a_truncated_json_array_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "bugs.json"
    whole = orjson.dumps([github_issue(f"Bug {n}", number=n) for n in (1, 2, 3)])
    path.write_bytes(whole[: len(whole) - 40])
    issues, skipped = _read(path)
    assert [i.title for i in issues] == ["Bug 1", "Bug 2"]
    assert skipped == [Skipped(f"{path} record 3", "not valid JSON (the file ends inside it)")]


def test_one_malformed_bug_skips_one_bug_of_a_bugzilla_xml(tmp_path: Path) -> None:
    path = tmp_path / "bugs.xml"
    bug = "<bug><bug_id>{n}</bug_id><short_desc>Bug {n}</short_desc><product>P</product></bug>"
    bad = "<bug><bug_id>2</bug_id><short_desc>Bug <b>2</short_desc><product>P</product></bug>"
    path.write_text(
        f'<bugzilla urlbase="https://bz.example.org/">{bug.format(n=1)}{bad}{bug.format(n=3)}</bugzilla>'
    )
    issues, skipped = _read(path)
    assert [i.key for i in issues] == ["bugzilla:bz.example.org#1", "bugzilla:bz.example.org#3"]
    assert [s.where for s in skipped] == [f"{path} bug 2"]
    assert skipped[0].reason.startswith("not valid XML")


def test_a_truncated_bugzilla_xml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bugs.xml"
    bug = "<bug><bug_id>{n}</bug_id><short_desc>Bug {n}</short_desc><product>P</product></bug>"
    path.write_text(f"<bugzilla>{bug.format(n=1)}{bug.format(n=2)}")  # no </bugzilla>
    issues, skipped = _read(path)
    assert len(issues) == 2
    assert skipped == [Skipped(str(path), "the file ends before </bugzilla>: it may be cut short")]


def test_one_truncated_file_in_a_folder_costs_that_file_only(tmp_path: Path) -> None:
    for n in range(1, 4):
        (tmp_path / f"good{n}.json").write_bytes(orjson.dumps(github_issue(f"Bug {n}", number=n)))
    (tmp_path / "cut.json").write_bytes(b'{"number": 9, "title": "Cu')
    issues, skipped = _read(tmp_path)
    assert len(issues) == 3
    assert [s.where for s in skipped] == [str(tmp_path / "cut.json")]
    assert "not valid JSON" in skipped[0].reason


def test_an_unterminated_csv_quote_costs_its_row_and_is_named(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        'Summary,Issue key,Description\nGood one,A-1,"fine"\nBad one,A-2,"never closed\n'
        "Third,A-3,ok\nFourth,A-4,ok\n"
    )
    issues, skipped = _read(path)
    assert [i.title for i in issues] == ["Good one", "Third", "Fourth"]
    assert skipped == [
        Skipped(
            f"{path} line 3",
            "a quoted value opens on line 3 and never closes "
            "(the rows after it are read on their own)",
        )
    ]


def test_invalid_utf8_in_a_csv_row_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"Summary,Issue key\nGood,A-1\nBad \xff,A-2\nAlso good,A-3\n")
    issues, skipped = _read(path)
    assert [i.title for i in issues] == ["Good", "Also good"]
    assert skipped == [Skipped(f"{path} line 3", "column 'Summary' is not valid UTF-8")]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"created_at": "yesterday"}, "field 'created_at': 'yesterday' is not a timestamp"),
        ({"number": "abc"}, "field 'number': expected a number, got 'abc'"),
        ({"title": {"x": 1}}, "field 'title': expected text, got an object"),
        ({"labels": "bug"}, "field 'labels': expected a list, got str"),
        ({"comments": -3}, "field 'comments': expected a count, got -3"),
    ],
)
@pytest.mark.parametrize("lines", [2, 50])
def test_json_lines_fast_and_slow_paths_refuse_the_same_records(
    tmp_path: Path, bad: dict[str, object], reason: str, lines: int
) -> None:
    path = tmp_path / "bugs.jsonl"
    rows = [_line(n) for n in range(1, lines + 1)]
    rows.insert(1, orjson.dumps({**github_issue("Broken", number=99), **bad}))
    path.write_bytes(b"\n".join(rows) + b"\n")
    issues, skipped = _read(path)
    assert len(issues) == lines
    assert skipped == [Skipped(f"{path} line 2", reason)]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"id": "abc"}, "field 'id': expected a number, got 'abc'"),
        ({"id": "fifteen"}, "field 'id': expected a number, got 'fifteen'"),
        ({"summary": ["a"]}, "field 'summary': expected text, got a list"),
    ],
)
def test_bugzilla_ids_and_summaries_are_checked(
    tmp_path: Path, bad: dict[str, object], reason: str
) -> None:
    path = tmp_path / "bugs.json"
    good = {"id": 1, "summary": "Crash", "product": "P"}
    path.write_bytes(orjson.dumps({"bugs": [good, {**good, **bad}]}))
    issues, skipped = _read(path)
    assert len(issues) == 1
    assert skipped == [Skipped(f"{path} record 2", reason)]


def test_jira_record_with_fields_of_the_wrong_kind_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    good = {"key": "A-1", "fields": {"summary": "Crash"}}
    bad = {"key": "A-2", "fields": {"summary": "Crash", "labels": 5}}
    path.write_bytes(orjson.dumps({"startAt": 0, "total": 2, "issues": [good, bad]}))
    issues, skipped = _read(path)
    assert len(issues) == 1
    assert skipped[0].reason.endswith("field 'fields.labels': expected a list, got int")


def test_a_nul_in_one_json_lines_record_costs_only_that_record(tmp_path: Path) -> None:
    # The columnar fast path sends the chunk to the record path, which names the field.
    lines = [
        {"number": 1, "title": "Crash on save", "body": "ok", "state": "open"},
        {"number": 2, "title": "Crash on load", "body": "a\u0000b", "state": "open"},
        {"number": 3, "title": "Crash on print", "body": "ok", "state": "open"},
    ]
    path = tmp_path / "issues.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    **line,
                    "url": f"https://api.github.com/repos/a/b/issues/{line['number']}",
                    "repository_url": "https://api.github.com/repos/a/b",
                    "labels": [],
                    "comments": 0,
                }
            )
            for line in lines
        )
        + "\n"
    )
    items = list(read_issues(str(path)))
    assert [i.key for i in items if isinstance(i, Issue)] == ["github:a/b#1", "github:a/b#3"]
    [skipped] = [i for i in items if isinstance(i, Skipped)]
    assert "body: contains a NUL character" in str(skipped)
