"""Server-side decisions use the policy's calendar and the configured calendar files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from api_payloads import github_issue
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from hotgate.api import Settings, create_app
from hotgate.calendars.served import ServedCalendar
from hotgate.cli import app as cli
from hotgate.policy.definition.schema import default_policy_text, load_policy

AS_OF = "2026-12-01"
ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:r1@test
DTSTART;VALUE=DATE:20261203
SUMMARY:Release 3.1
END:VEVENT
END:VCALENDAR
"""


def _policy_with(tmp_path: Path, calendar: str) -> Path:
    text = default_policy_text().replace("  releases: []\n", calendar, 1)
    path = tmp_path / "hotgate.yaml"
    path.write_text(text)
    return path


def _assess(settings: Settings, **params: str) -> dict[str, object]:
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/api/v1/assess", params={"as_of": AS_OF, **params}, json=github_issue()
        )
        assert answer.status_code == 200, answer.text
        decision: dict[str, object] = answer.json()
        return decision


@pytest.mark.parametrize(
    ("calendar", "release", "verdict"),
    [
        ('  releases: [{name: "2.4", date: 2026-12-03}]\n', "2.4", "wait"),
        ('  releases: [{name: "2.5", date: 2026-12-20}]\n', "2.5", "hotfix"),
        ("  releases: []\n", None, "hotfix"),
    ],
)
def test_assess_reads_the_next_release_from_the_policy_calendar(
    tmp_path: Path, calendar: str, release: str | None, verdict: str
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db'}", policy=_policy_with(tmp_path, calendar)
    )
    decision = _assess(settings)
    shown = decision["release"]
    assert (shown["name"] if isinstance(shown, dict) else None) == release
    assert decision["verdict"] == verdict


def test_the_given_next_release_wins_but_a_blackout_still_holds(tmp_path: Path) -> None:
    calendar = (
        '  releases: [{name: "2.4", date: 2026-12-20}]\n'
        "  blackouts: [{name: winter, start: 2026-11-28, end: 2026-12-05}]\n"
    )
    policy = _policy_with(tmp_path, calendar).read_text().replace("  blackouts: []\n", "", 1)
    (tmp_path / "hotgate.yaml").write_text(policy)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db'}", policy=tmp_path / "hotgate.yaml"
    )
    decision = _assess(settings, next_release="2026-12-24")
    assert decision["release"]["date"] == "2026-12-24"  # type: ignore[index]
    assert decision["verdict"] == "wait"
    assert any("blackout 'winter'" in reason for reason in decision["reasons"])  # type: ignore[attr-defined]


def test_configured_calendar_files_are_joined(tmp_path: Path) -> None:
    ics = tmp_path / "releases.ics"
    ics.write_text(ICS)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db'}", calendars=[str(ics)])
    decision = _assess(settings)
    assert decision["release"]["name"] == "Release 3.1"  # type: ignore[index]
    assert decision["verdict"] == "wait"


def test_an_unreadable_calendar_is_a_clear_422(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'db'}", calendars=[str(tmp_path / "gone.ics")]
    )
    with TestClient(create_app(settings)) as client:
        answer = client.post("/api/v1/assess", params={"as_of": AS_OF}, json=github_issue())
    assert answer.status_code == 422
    assert "gone.ics: cannot read the calendar" in answer.json()["detail"]


def test_a_served_calendar_reads_its_files_once_an_hour_whatever_the_day(tmp_path: Path) -> None:
    ics = tmp_path / "releases.ics"
    ics.write_text(ICS)
    clock = [0.0]
    served = ServedCalendar(load_policy(), [str(ics)], clock=lambda: clock[0])
    first = served.on(date(2026, 12, 1))
    ics.write_text(ICS.replace("Release 3.1", "Release 3.2"))
    clock[0] = 3599.0
    assert served.on(date(2026, 12, 1)) is first  # kept within the hour
    assert served.on(date(2026, 12, 2)).releases()[0].name == "Release 3.1"  # the same text
    clock[0] = 3600.0
    assert served.on(date(2026, 12, 2)).releases()[0].name == "Release 3.2"  # read again
    assert served.on(date(2026, 12, 1)).releases()[0].name == "Release 3.2"


def test_serve_refuses_a_calendar_it_cannot_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--db", f"sqlite:///{tmp_path / 'db'}", "--calendar", str(tmp_path / "gone.ics")],
    )
    assert result.exit_code == 2
    assert "gone.ics: cannot read the calendar" in result.output
    assert len(result.output.strip().splitlines()) == 1
