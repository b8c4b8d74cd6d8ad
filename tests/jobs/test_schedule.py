"""Intervals that fit the clock, their cron lines, and the jobs a sources file plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hotgate.jobs.lease import next_slot, retry_slot
from hotgate.jobs.schedule import RecheckConfig, cron_of, parse_every, planned_jobs
from hotgate.notify.routes import EVENTS, Notifications, Route
from hotgate.sync.config import SourcesFile


@pytest.mark.parametrize(
    ("text", "seconds", "cron"),
    [
        ("1s", 1, "* * * * * */1"),
        ("30s", 30, "* * * * * */30"),
        ("1m", 60, "*/1 * * * *"),
        ("15m", 900, "*/15 * * * *"),
        ("1h", 3600, "0 */1 * * *"),
        ("6h", 21600, "0 */6 * * *"),
        ("1d", 86400, "0 0 * * *"),
        (" 5 m ", 300, "*/5 * * * *"),
    ],
)
def test_intervals_and_their_cron(text: str, seconds: int, cron: str) -> None:
    assert parse_every(text) == seconds
    assert cron_of(seconds) == cron


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7m", "'7m' does not fit the clock evenly"),
        ("45s", "'45s' does not fit the clock evenly"),
        ("5h", "'5h' does not fit the clock evenly"),
        ("2d", "'2d' does not fit the clock evenly"),
        ("0m", "the interval must be longer than zero"),
        ("soon", "'soon' is not an interval such as 30s, 15m, 1h or 1d"),
    ],
)
def test_intervals_that_do_not_fit(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_every(text)


def test_slots_are_round_marks_and_retries_back_off() -> None:
    at = datetime(2026, 11, 30, 9, 7, 30, tzinfo=UTC)
    assert next_slot(900, at) == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert next_slot(900, datetime(2026, 11, 30, 9, 15, tzinfo=UTC)) == datetime(
        2026, 11, 30, 9, 30, tzinfo=UTC
    )
    waits = [retry_slot(900, failures, at) - at for failures in (1, 2, 3, 6, 9)]
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 900, 900)]


def test_the_sources_file_plans_its_jobs() -> None:
    file = SourcesFile.model_validate(
        {
            "sources": [
                {"source": "github:acme/shop", "every": "15m"},
                {"source": "jira:https://jira.example.com", "name": "jira"},
            ],
            "recheck": {},
            "notifications": {"routes": [{"name": "team", "url": "json://127.0.0.1:9/"}]},
        }
    )
    assert [(j.name, j.kind, j.every, j.source) for j in planned_jobs(file)] == [
        ("sync:github:acme/shop", "sync", 900, "github:acme/shop"),
        ("recheck", "recheck", 3600, None),
        ("notify", "notify", 60, None),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sources": [{"source": "github:a/b", "every": "7m"}]}, "does not fit the clock"),
        ({"notifications": {"routes": [{"name": "x"}]}}, "give exactly one of url and url_env"),
        (
            {
                "notifications": {
                    "routes": [{"name": "x", "url": "json://h/"}, {"name": "x", "url": "json://h/"}]
                }
            },
            "repeated: x",
        ),
        (
            {"notifications": {"routes": [{"name": "x", "url": "json://h/", "events": ["lunch"]}]}},
            "lunch",
        ),
    ],
)
def test_a_bad_schedule_or_route_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SourcesFile.model_validate(data)


DOCS = (Path(__file__).resolve().parents[2] / "docs" / "service.md").read_text()


@pytest.mark.parametrize(
    "key",
    [
        *Notifications.model_fields,
        *Route.model_fields,
        *RecheckConfig.model_fields,
        *EVENTS,
        "HOTGATE_SOURCES",
        "HOTGATE_JOB_TICK_SECONDS",
        "HOTGATE_JOB_LEASE_SECONDS",
        "--heartbeat",
        "--stalled-after",
        "--concurrency",
        "GET /api/v1/jobs",
    ],
)
def test_every_key_event_and_option_of_the_service_is_documented(key: str) -> None:
    assert f"`{key}`" in DOCS or f"{key}:" in DOCS, key
