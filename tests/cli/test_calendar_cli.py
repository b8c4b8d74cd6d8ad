"""`hotgate calendar`, and --calendar on assess and triage, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import SHARED_DATA
from hotgate.cli import app

ROOT = Path(__file__).resolve().parents[2]
SHARED = SHARED_DATA
TEAM_CALENDAR = {
    "releases": [{"name": "2.4", "date": "2026-12-03"}, {"name": "2.5", "date": "2026-12-17"}],
    "blackouts": [
        {
            "name": "holiday freeze",
            "start": "2026-12-19",
            "end": "2027-01-04",
            "because": "Most of the team is away.",
        }
    ],
}
BUG = {
    "key": "shop#1",
    "source": "hotgate",
    "title": "Checkout crashes for every user",
    "body": "Checkout crashes on every page load. There is no workaround.",
    "severity": "S1",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def calendar_file(tmp_path: Path) -> str:
    path = tmp_path / "team-calendar.yaml"
    path.write_text(json.dumps(TEAM_CALENDAR))
    return str(path)


@pytest.fixture
def bug_file(tmp_path: Path) -> str:
    path = tmp_path / "bug.json"
    path.write_text(json.dumps(BUG))
    return str(path)


def test_calendar_json(calendar_file: str) -> None:
    code, out, _ = run(
        "calendar", "--calendar", calendar_file, "--as-of", "2026-12-02", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["next_release"] == {"name": "2.4", "date": "2026-12-03", "days_until": 1}
    assert data["freezes"][0] == {
        "name": "2.4 freeze",
        "date": "2026-12-01",
        "days_until": -1,
        "release": "2.4",
        "in_effect": True,
    }
    assert data["freezes"][1]["name"] == "2.5 freeze"
    assert data["blackouts"][0]["active"] is False


def test_calendar_text_names_the_blackout(calendar_file: str) -> None:
    code, out, _ = run("calendar", "--calendar", calendar_file, "--as-of", "2026-12-20")
    assert code == 0
    assert "No release known on or after 2026-12-20" in out
    assert "Blackout holiday freeze: 2026-12-19 to 2027-01-04 (in effect now)" in out


@pytest.mark.parametrize(
    ("as_of", "verdict", "reason"),
    [
        ("2026-11-20", "hotfix", "beyond the 3-day window"),
        ("2026-11-30", "wait", "The code freeze for 2.4 begins on 2026-12-01, in 1 day(s)"),
        ("2026-12-21", "wait", "No hotfix ships during the blackout 'holiday freeze'"),
    ],
)
def test_assess_with_calendar(
    calendar_file: str, bug_file: str, as_of: str, verdict: str, reason: str
) -> None:
    code, out, _ = run(
        "assess",
        bug_file,
        "--no-record",
        "--calendar",
        calendar_file,
        "--as-of",
        as_of,
        "--format",
        "json",
    )
    assert code == 0
    decision = json.loads(out)
    assert decision["verdict"] == verdict
    assert any(reason in r for r in decision["reasons"]), decision["reasons"]


def test_triage_with_calendar(calendar_file: str, bug_file: str) -> None:
    code, out, _ = run(
        "triage",
        bug_file,
        "--no-record",
        "--calendar",
        calendar_file,
        "--as-of",
        "2026-12-02",
        "--format",
        "jsonl",
    )
    assert code == 0
    decision = json.loads(out.splitlines()[0])
    assert decision["release"] == {
        "name": "2.4",
        "date": "2026-12-03",
        "days_until": 1,
        "kind": "release",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the calendar"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:bad\n", "not a valid iCalendar file"),
        ('{"releases": [{"name": "x", "date": "soon"}]}', "releases.0.date"),
    ],
)
def test_bad_calendar_exits_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "cal.ics"
    if content is not None:
        path.write_text(content)
    code, out, err = run("calendar", "--calendar", str(path), "--as-of", "2026-12-02")
    assert code == 2
    assert out == ""
    assert err.startswith(f"hotgate: {path}:")
    assert message in err


@pytest.mark.realdata
def test_kubernetes_schedule_json() -> None:
    code, out, _ = run(
        "calendar",
        "--calendar",
        str(SHARED / "calendars" / "kubernetes_patch_schedule.yaml"),
        "--as-of",
        "2023-07-13",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["next_release"]["date"] == "2023-07-19"
    assert data["timing"] == {
        "name": "1.24.16",
        "date": "2023-07-14",
        "days_until": 1,
        "kind": "freeze",
    }
