"""The release calendar: next release, freezes, blackouts and the timing rule's date."""

from __future__ import annotations

from datetime import date

import pytest

from hotgate.model import Issue
from hotgate.policy.deciding.calendar import (
    Calendar,
    CalendarError,
    Milestone,
    blackout_on,
    classify,
    context_from_options,
    freeze_in_effect,
    next_release,
    policy_calendar,
    timing_release,
    upcoming,
    with_freezes,
)
from hotgate.policy.deciding.engine import decide
from hotgate.policy.definition.schema import Blackout, CalendarSettings, load_policy

POLICY = load_policy()
TRAIN = with_freezes(
    Calendar(
        milestones=(
            Milestone(date(2026, 12, 3), "release", "2.4"),
            Milestone(date(2026, 12, 17), "release", "2.5"),
        ),
        blackouts=(
            Blackout(name="holiday freeze", start=date(2026, 12, 19), end=date(2027, 1, 4)),
        ),
    ),
    days_before=2,
)


@pytest.mark.parametrize(
    ("as_of", "name", "kind", "days"),
    [
        (date(2026, 11, 20), "2.4", "freeze", 11),  # its freeze comes first
        (date(2026, 12, 1), "2.4", "freeze", 0),  # the freeze begins today
        (date(2026, 12, 2), "2.4", "release", 1),  # the freeze began yesterday: the release is next
        (date(2026, 12, 3), "2.4", "release", 0),  # a release on the as-of day counts, 0 days
        (date(2026, 12, 4), "2.5", "freeze", 11),
        (date(2026, 12, 18), None, None, None),  # nothing after the last release
    ],
)
def test_timing_release_is_the_nearer_of_release_and_freeze(
    as_of: date, name: str | None, kind: str | None, days: int | None
) -> None:
    timing = timing_release(TRAIN, as_of)
    if name is None:
        assert timing is None
    else:
        assert timing is not None
        assert (timing.name, timing.kind, timing.days_until) == (name, kind, days)


def test_a_freeze_that_began_yesterday_is_in_effect() -> None:
    current = freeze_in_effect(TRAIN, date(2026, 12, 2))
    assert current == Milestone(date(2026, 12, 1), "freeze", "2.4 freeze", "2.4")
    assert freeze_in_effect(TRAIN, date(2026, 12, 1)) is None  # begins today: not yet past


def test_next_release_on_the_as_of_day() -> None:
    release = next_release(TRAIN, date(2026, 12, 17))
    assert release is not None
    assert (release.name, release.days_until) == ("2.5", 0)


def test_cadence_every_two_weeks_with_freezes() -> None:
    settings = CalendarSettings.model_validate(
        {
            "cadence": {"every_days": 14, "start": "2026-01-08", "name": "train {n}"},
            "horizon_days": 60,
        }
    )
    calendar = with_freezes(policy_calendar(settings, date(2026, 2, 1)), 3)
    days = [(m.day, m.kind, m.name) for m in upcoming(calendar, date(2026, 2, 1), limit=4)]
    assert days == [
        (date(2026, 2, 2), "freeze", "train 3 freeze"),
        (date(2026, 2, 5), "release", "train 3"),
        (date(2026, 2, 16), "freeze", "train 4 freeze"),
        (date(2026, 2, 19), "release", "train 4"),
    ]


def test_an_explicit_freeze_is_not_doubled() -> None:
    calendar = with_freezes(
        Calendar(
            milestones=(
                Milestone(date(2026, 3, 10), "release", "1.1"),
                Milestone(date(2026, 3, 5), "freeze", "branch cut", None),
            )
        ),
        2,
    )
    assert [m.name for m in calendar.freezes()] == ["branch cut"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 18), None),
        (date(2026, 12, 19), "holiday freeze"),  # first day included
        (date(2027, 1, 4), "holiday freeze"),  # last day included
        (date(2027, 1, 5), None),
    ],
)
def test_blackout_window_includes_both_ends(day: date, expected: str | None) -> None:
    found = blackout_on(TRAIN, day)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(
    ("summary", "categories", "kind"),
    [
        ("Release 2.4", [], "release"),
        ("Code freeze for 2.4", [], "freeze"),
        ("Holiday freeze", [], "blackout"),  # a blackout wins over a freeze
        ("Team lunch", [], None),
        ("Ship it", ["RELEASE"], "release"),
        ("1.27.4 cherry-pick deadline", [], "freeze"),
    ],
)
def test_classify_events_by_summary_and_category(
    summary: str, categories: list[str], kind: str | None
) -> None:
    assert classify(summary, categories, POLICY.calendar) == kind


def test_next_release_option_wins_but_blackout_still_applies() -> None:
    context = context_from_options(date(2026, 12, 20), date(2027, 2, 1), TRAIN)
    assert context.release is not None
    assert context.release.name == "next release"
    assert context.blackout is not None
    assert context.blackout.name == "holiday freeze"


def test_next_release_before_as_of_is_an_error() -> None:
    with pytest.raises(CalendarError, match="--next-release 2026-01-01 is before --as-of"):
        context_from_options(date(2026, 2, 1), date(2026, 1, 1))


QUALIFYING = Issue(
    key="github:shop/web#1",
    source="github",
    title="Checkout crashes for every user",
    body="Checkout crashes on every page load. There is no workaround.",
    severity="S1",
)
SECURITY = Issue(
    key="github:shop/web#2",
    source="github",
    title="XSS in search results",
    body="A cross-site scripting hole in search.",
    labels=["security", "sec-critical"],
    severity="S1",
)


@pytest.mark.parametrize(
    ("as_of", "issue", "verdict", "reason"),
    [
        (date(2026, 11, 20), QUALIFYING, "hotfix", "beyond the 3-day window"),
        (
            date(2026, 11, 29),
            QUALIFYING,
            "wait",
            "The code freeze for 2.4 begins on 2026-12-01, in 2 day(s)",
        ),
        (date(2026, 12, 2), QUALIFYING, "wait", "2.4 ships on 2026-12-03, in 1 day(s)"),
        (
            date(2026, 12, 22),
            QUALIFYING,
            "wait",
            "No hotfix ships during the blackout 'holiday freeze'",
        ),
        (date(2026, 12, 22), SECURITY, "hotfix", "Override 'serious-security-hole'"),
    ],
)
def test_calendar_drives_the_timing_rule(
    as_of: date, issue: Issue, verdict: str, reason: str
) -> None:
    context = context_from_options(as_of, None, TRAIN)
    decision = next(decide(POLICY, [issue], context))
    assert decision.verdict == verdict
    assert any(reason in r for r in decision.reasons), decision.reasons
