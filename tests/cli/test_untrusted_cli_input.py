"""Issue 13 on the command line: the table on any terminal, stdin, --out, amplifying input."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import orjson
import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from builders import ROOT, github_issue
from hotgate.cli import app
from hotgate.cli.card import ranked_table

FIXTURES = ROOT / "tests" / "sources" / "fixtures"
AS_OF = ["--as-of", "2026-11-23"]


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _summary() -> pl.DataFrame:
    long_key = "jira:issues.very-long-site-name.example.org/PAYMENTS-31337"
    verdicts = ["hotfix", "needs-info", "no-hotfix", "wait"]
    return pl.DataFrame(
        {
            "key": [long_key, "github:a/b#1", "bugzilla:bugzilla#3", "gitlab:g/p#4"],
            "title": ["A title that goes on and on " * 3, "Short", "x" * 59, "Title"],
            "verdict": verdicts,
            "significant__answer": ["yes", "unknown", "no", "yes"],
            "broad_reach__answer": ["yes", "unknown", "unknown", "yes"],
            "no_workaround__answer": ["yes", "unknown", "no", "yes"],
            "severity_level": ["S1", None, "S4", "S2"],
            "cost_of_waiting": [33.6, 8.4, 1.2, 25.2],
            "risk_of_hotfix": [3.75, 1.88, 1.88, 3.75],
        }
    )


@pytest.mark.parametrize("width", [80, 100, 120, 160])
def test_the_table_keeps_verdict_and_criteria_at_every_width(width: int) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    console.print(ranked_table(_summary(), 0, width=width))
    lines = buffer.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if "Verdict" in line)
    for name in ("#", "Verdict", "Key", "Title", "Sig", "Reach", "No WA", "Sev", "Cost", "Risk"):
        assert name in header, (width, name)
    rows = [line for line in lines if line.startswith("│")]
    for row, verdict, cost in zip(
        rows,
        ["hotfix", "needs-info", "no-hotfix", "wait"],
        ["33.6", "8.4", "1.2", "25.2"],
        strict=True,
    ):
        cells = [c.strip() for c in row.strip("│").split("│")]
        assert cells[1] == verdict
        assert cells[4:7] in (["✔", "✔", "✔"], ["?", "?", "?"], ["✘", "?", "✘"])
        assert cells[-2] == cost


def test_piped_triage_shows_whole_verdicts() -> None:
    code, shown, err = run("triage", str(ROOT / "examples" / "backlog"), "--no-record", *AS_OF)
    assert code == 0, err
    assert "needs-…" not in shown and "no-hot…" not in shown
    assert " no-hotfix " in shown


@pytest.mark.parametrize(
    ("name", "kind"),
    [("hotgate_issues.yaml", "yaml"), ("jira_export.csv", "csv"), ("show_bug.xml", "xml")],
)
def test_standard_input_takes_yaml_csv_and_xml(name: str, kind: str) -> None:
    folder = ROOT / "examples" / "backlog" if kind == "yaml" else FIXTURES
    body = (folder / name).read_bytes()
    code, shown, err = run("triage", "-", "--format", "jsonl", "--no-record", *AS_OF, stdin=body)
    assert code == 0, err
    keys = [orjson.loads(line)["subject"]["key"] for line in shown.splitlines()]
    assert keys
    if kind != "yaml":
        assert "<stdin>" not in err


def test_standard_input_errors_name_stdin() -> None:
    code, _, err = run("triage", "-", "--no-record", stdin=b'Summary,Issue key\nOne,"A-1\n')
    assert code == 2
    assert "hotgate: skipped <stdin> line 2: a quoted value opens on line 2" in err


def test_out_files_honour_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "decisions.csv"
    old = os.umask(0o022)
    try:
        code, _, err = run(
            "triage",
            str(ROOT / "examples" / "backlog"),
            "--format",
            "csv",
            "--out",
            str(out),
            "--no-record",
            *AS_OF,
        )
    finally:
        os.umask(old)
    assert code == 0, err
    assert out.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_a_run_that_decides_nothing_leaves_no_out_file(tmp_path: Path, fmt: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"number": "x", "title": 1, "node_id": "a"}\n{"nothing": true}\n')
    out = tmp_path / f"out.{fmt}"
    code, _, err = run("triage", str(bad), "--format", fmt, "--out", str(out), "--no-record")
    assert code == 2
    assert "skipped" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.jsonl"]


@pytest.mark.parametrize("content", [b"not json at all", b"", b'[{"number": 1, "title": "cut'])
def test_unreadable_input_creates_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOTGATE_DATABASE_URL", raising=False)
    (tmp_path / "in.json").write_bytes(content)
    code, _, err = run("triage", "in.json")
    assert code == 2
    assert "hotgate: " in err and "in.json" in err
    assert not (tmp_path / "hotgate.db").exists()


def test_calendar_limit_lists_that_many_rows() -> None:
    calendar = ROOT / "examples" / "releases.ics"
    code, shown, err = run(
        "calendar", "--calendar", str(calendar), "--as-of", "2026-11-01", "--limit", "2"
    )
    assert code == 0, err
    rows = [line for line in shown.splitlines() if line.startswith("│")]
    assert len(rows) == 2


LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 4)}]" for i in range(8)]
    + ["kind: issue", "key: a:1", "source: hotgate", "title: *i"]
)


@pytest.mark.parametrize("command", ["assess", "triage"])
def test_yaml_aliases_are_refused(tmp_path: Path, command: str) -> None:
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS)
    code, _, err = run(command, str(path), "--no-record")
    assert code == 2
    assert "aliases (*a) are not allowed in a subject document" in err
    code, _, err = run(command, "-", "--no-record", stdin=LAUGHS)
    assert code == 2
    assert "aliases" in err


@pytest.mark.parametrize("frequency", ["SECONDLY", "MINUTELY", "HOURLY", "DAILY;BYHOUR=1,2"])
def test_sub_daily_release_recurrences_are_refused(tmp_path: Path, frequency: str) -> None:
    path = tmp_path / "r.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T000000Z\r\nSUMMARY:Release\r\n"
        f"RRULE:FREQ={frequency}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    for args in (["calendar"], ["triage", str(FIXTURES / "github_issues.json"), "--no-record"]):
        code, _, err = run(*args, "--calendar", str(path))
        assert code == 2
        assert "'Release' repeats" in err and "a release calendar repeats daily at most" in err


def test_a_daily_recurrence_is_bounded_to_the_window(tmp_path: Path) -> None:
    path = tmp_path / "r.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        "DTSTAMP:20000101T000000Z\r\nDTSTART;VALUE=DATE:20000101\r\nSUMMARY:Release\r\n"
        "RRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    code, shown, err = run(
        "calendar", "--calendar", str(path), "--as-of", "2026-11-01", "--format", "json"
    )
    assert code == 0, err
    assert orjson.loads(shown)["next_release"]["date"] == "2026-11-01"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("k.yaml", "schedules: 5\n", "schedules: expected a list"),
        (
            "k.yaml",
            "schedules:\n- release: '1.2'\n  previousPatches: 7\n",
            "previousPatches: expected a list",
        ),
        (
            "k.yaml",
            "schedules:\n- release: '1.2'\n  next: {targetDate: 2023-13-01}\n",
            "month must be in 1..12",
        ),
        (
            "j.json",
            '{"issues": [{"fields": 5}]}',
            "issues[0].fields: expected a Jira issue's fields",
        ),
    ],
)
@pytest.mark.parametrize("command", ["calendar", "serve"])
def test_malformed_calendars_are_one_line_errors(
    tmp_path: Path, name: str, content: str, message: str, command: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    code, _, err = run(command, "--calendar", str(path))
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_invalid_utf8_in_a_sources_file_or_a_mapping_is_named(tmp_path: Path) -> None:
    sources = tmp_path / "s.yaml"
    sources.write_bytes(b'sources:\n  - source: "\xff"\n')
    code, _, err = run("sync", "--config", str(sources))
    assert (code, err.strip()) == (2, f"hotgate: {sources}: not valid UTF-8 at byte 22")
    mapping = tmp_path / "m.yaml"
    mapping.write_bytes(b'fields:\n  title: "\xff"\n')
    history = tmp_path / "h.csv"
    history.write_text("title\nx\n")
    code, _, err = run("backtest", str(history), "--mapping", str(mapping))
    assert (code, err.strip()) == (2, f"hotgate: {mapping}: not valid UTF-8 at byte 18")


def test_columns_option_reads_an_unknown_export() -> None:
    code, shown, err = run(
        "triage",
        str(FIXTURES / "linear_export.csv"),
        "--columns",
        str(FIXTURES / "linear_columns.yaml"),
        "--format",
        "jsonl",
        "--no-record",
        *AS_OF,
    )
    assert code == 0, err
    keys = [orjson.loads(line)["subject"]["key"] for line in shown.splitlines()]
    assert keys == ["linear:ENG-101", "linear:ENG-102"]
    code, _, err = run("triage", str(FIXTURES / "linear_export.csv"), "--no-record")
    assert code == 2
    assert "--columns title=Title,body=Description,labels=Labels" in err


def test_gh_cli_output_decides_with_its_comments(tmp_path: Path) -> None:
    code, shown, err = run(
        "assess", str(FIXTURES / "gh_issue_view.json"), "--format", "json", "--no-record", *AS_OF
    )
    assert code == 0, err
    assert orjson.loads(shown)["subject"]["url"] == "https://github.com/acme/shop/issues/60"


def test_a_good_record_beside_bad_ones_is_decided(tmp_path: Path) -> None:
    path = tmp_path / "mixed.json"
    good = github_issue("Checkout crashes for every user", number=1)
    path.write_bytes(orjson.dumps([good, {**good, "number": "abc"}]))
    code, shown, err = run("triage", str(path), "--format", "jsonl", "--no-record", *AS_OF)
    assert code == 2
    assert len(shown.splitlines()) == 1
    assert f"skipped {path} record 2: field 'number': expected a number, got 'abc'" in err


@pytest.mark.parametrize("columns", ["80", "100"])
def test_piped_output_keeps_to_the_columns_asked_for(columns: str) -> None:
    """Piped output is 160 columns wide unless COLUMNS asks for another width."""
    bug = ROOT / "examples" / "backlog" / "hotgate_issues.yaml"
    shown = subprocess.run(
        [sys.executable, "-m", "hotgate", "triage", str(bug), "--no-record", *AS_OF],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": columns},
        check=True,
    ).stdout
    widths = [len(line) for line in shown.splitlines()]
    assert max(widths) == int(columns), widths
