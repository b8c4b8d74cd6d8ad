"""Calendars read from iCalendar files and URLs, tracker milestones and published schedules."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from builders import SHARED_DATA
from hotgate.calendars import (
    calendar_for,
    github_milestones,
    jira_versions,
    parse_calendar,
    read_calendar,
)
from hotgate.policy.deciding.calendar import (
    CalendarError,
    blackout_on,
    next_release,
    timing_release,
)
from hotgate.policy.definition.schema import CalendarSettings, load_policy

POLICY = load_policy()
UTC = CalendarSettings()
NEW_YORK = CalendarSettings(timezone="America/New_York")
ROOT = Path(__file__).resolve().parents[2]
# The project root's parent holds shared/ (in a worktree, a parent further up does).
SHARED = SHARED_DATA / "calendars"

# A weekly release at 19:30 New York time across the US daylight-saving change of 2026-03-08.
DST_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//hotgate tests//EN
BEGIN:VEVENT
UID:train@hotgate.test
DTSTAMP:20260101T000000Z
DTSTART;TZID=America/New_York:20260226T193000
DTEND;TZID=America/New_York:20260226T203000
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Release train
END:VEVENT
END:VCALENDAR
"""

# Fortnightly releases with a freeze two days before, one release skipped (EXDATE), one added
# (RDATE), one moved (an edited occurrence), and a holiday blackout.
TRAIN_ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//hotgate tests//EN
BEGIN:VEVENT
UID:release@hotgate.test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261105
RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4
EXDATE;VALUE=DATE:20261119
RDATE;VALUE=DATE:20261210
SUMMARY:Web release
END:VEVENT
BEGIN:VEVENT
UID:release@hotgate.test
DTSTAMP:20260101T000000Z
RECURRENCE-ID;VALUE=DATE:20261203
DTSTART;VALUE=DATE:20261204
SUMMARY:Web release (moved)
END:VEVENT
BEGIN:VEVENT
UID:freeze@hotgate.test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261103
RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4
SUMMARY:Code freeze
END:VEVENT
BEGIN:VEVENT
UID:holiday@hotgate.test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261221
DTEND;VALUE=DATE:20270104
SUMMARY:Holiday freeze
END:VEVENT
BEGIN:VEVENT
UID:lunch@hotgate.test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261106
SUMMARY:Team lunch
CATEGORIES:social
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.parametrize(
    ("settings", "days"),
    [
        # In UTC, 19:30 EST is past midnight (the next day); 19:30 EDT is not.
        (UTC, [date(2026, 2, 27), date(2026, 3, 6), date(2026, 3, 12), date(2026, 3, 19)]),
        (NEW_YORK, [date(2026, 2, 26), date(2026, 3, 5), date(2026, 3, 12), date(2026, 3, 19)]),
    ],
)
def test_daylight_saving_change(settings: CalendarSettings, days: list[date]) -> None:
    calendar = parse_calendar(DST_ICS, settings, date(2026, 2, 20), "dst.ics")
    assert [r.day for r in calendar.releases()] == days


def test_exdate_rdate_and_edited_occurrence() -> None:
    calendar = parse_calendar(TRAIN_ICS, UTC, date(2026, 11, 1), "train.ics")
    assert [(r.day, r.name) for r in calendar.releases()] == [
        (date(2026, 11, 5), "Web release"),
        # 2026-11-19 is excluded by EXDATE
        (date(2026, 12, 4), "Web release (moved)"),  # moved from 2026-12-03
        (date(2026, 12, 10), "Web release"),  # added by RDATE
        (date(2026, 12, 17), "Web release"),  # COUNT=4 counts the excluded date too
    ]
    assert [f.day for f in calendar.freezes()] == [
        date(2026, 11, 3),
        date(2026, 11, 17),
        date(2026, 12, 1),
        date(2026, 12, 15),
    ]
    assert blackout_on(calendar, date(2027, 1, 3)) is not None
    assert blackout_on(calendar, date(2027, 1, 4)) is None  # DTEND is exclusive


def test_ical_freeze_that_began_yesterday_leaves_the_release() -> None:
    calendar = parse_calendar(TRAIN_ICS, UTC, date(2026, 11, 1), "train.ics")
    timing = timing_release(calendar, date(2026, 12, 2))
    assert timing is not None
    assert (timing.name, timing.kind, timing.days_until) == ("Web release (moved)", "release", 2)


def test_broken_icalendar_names_the_file() -> None:
    with pytest.raises(CalendarError, match=r"^broken\.ics: not a valid iCalendar file"):
        parse_calendar(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:nonsense\n", UTC, date(2026, 1, 1), "broken.ics"
        )


def test_github_milestones_in_the_rest_shape() -> None:
    page = [
        {
            "url": "https://api.github.com/repos/o/r/milestones/1",
            "number": 1,
            "title": "v1.2",
            "state": "open",
            "due_on": "2026-12-03T08:00:00Z",
            "html_url": "https://github.com/o/r/milestone/1",
        },
        {"number": 2, "title": "someday", "state": "open", "due_on": None},
    ]
    calendar = github_milestones(page)
    release = next_release(calendar, date(2026, 12, 1))
    assert release is not None
    assert (release.name, release.days_until) == ("v1.2", 2)


def test_jira_versions_in_the_rest_shape() -> None:
    versions = [
        {
            "self": "https://jira.example/rest/api/2/version/1",
            "id": "1",
            "name": "3.4.0",
            "archived": False,
            "released": False,
            "releaseDate": "2026-12-10",
        },
        {
            "id": "2",
            "name": "3.3.0",
            "archived": True,
            "released": True,
            "releaseDate": "2026-11-01",
        },
        {"id": "3", "name": "backlog", "archived": False, "released": False},
    ]
    assert [(r.name, r.day) for r in jira_versions(versions).releases()] == [
        ("3.4.0", date(2026, 12, 10))
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"title": "v1", "due_on": "soon"}]', "item 0 due_on: 'soon' is not a date"),
        ('{"hello": 1}', "not a calendar hotgate knows"),
        ("schedules: []", "no schedules with a targetDate"),
    ],
)
def test_bad_calendars_name_the_place(text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        parse_calendar(text, UTC, date(2026, 1, 1), "cal.json")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server over loopback serving the recorded calendar; missing files are 404."""
    (tmp_path / "train.ics").write_text(TRAIN_ICS)
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_calendar_from_a_url(served: str) -> None:
    calendar = read_calendar(f"{served}/train.ics", UTC, date(2026, 11, 1))
    assert len(calendar.releases()) == 4


def test_missing_url_is_an_error(served: str) -> None:
    with pytest.raises(CalendarError, match="cannot fetch the calendar"):
        read_calendar(f"{served}/missing.ics", UTC, date(2026, 11, 1))


def test_policy_calendar_file_in_its_own_words(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(json.dumps({"releases": [{"name": "2.0", "date": "2026-12-03"}]}))
    calendar = calendar_for(POLICY, [str(path)], date(2026, 11, 30))
    timing = timing_release(calendar, date(2026, 11, 30))
    assert timing is not None
    assert (timing.name, timing.days_until) == ("2.0", 1)


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "as_of", "release", "timing"),
    [
        (
            "kubernetes_patch_schedule.yaml",
            date(2023, 7, 13),
            ("1.24.16", 6),
            ("1.24.16", 1),
        ),
        (
            "firefox_history_major_releases.json",
            date(2016, 3, 1),
            ("Firefox 45.0", 7),
            ("Firefox 45.0", 5),
        ),
        # ESR 38.7.0 shipped the same day as 45.0; both are releases users get.
        (
            "firefox_releases.json",
            date(2016, 3, 1),
            ("firefox-38.7.0esr", 7),
            ("firefox-38.7.0esr", 5),
        ),
    ],
)
def test_real_schedules(
    name: str, as_of: date, release: tuple[str, int], timing: tuple[str, int]
) -> None:
    calendar = calendar_for(POLICY, [str(SHARED / name)], as_of)
    found = next_release(calendar, as_of)
    weighed = timing_release(calendar, as_of)
    assert found is not None
    assert weighed is not None
    assert (found.name, found.days_until) == release
    assert (weighed.name, weighed.days_until) == timing
