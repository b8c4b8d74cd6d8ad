"""Notifications: the events a release manager is told about, routed, worded, retried, kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hotgate import service, store
from hotgate.model import ChangeRequest, Issue
from hotgate.notify.deliver import notify_pass
from hotgate.notify.routes import Notifications, Route
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.store import notifications as outbox
from hotgate.store.tables import notifications
from samples import builtin_policy, sample_issue

from .endpoint import Endpoint

DAY = date(2026, 11, 1)
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
URL = "https://github.com/acme/shop/issues/{n}"
SECRET = "s3cr3t-hook-path"


def _issue(number: int, kind: str = "hotfix", **changes: Any) -> Issue:
    fields = {"component": "checkout", "url": URL.format(n=number), **changes}
    return sample_issue(number, kind, **fields)


def _record(
    sessions: sessionmaker[Session], bugs: list[Issue], release: date | None = None
) -> None:
    context = context_from_options(DAY, release)
    with sessions.begin() as session:
        store.upsert_issues(session, bugs)
        trouble = store.troubled_hotfixes_by_component(session)
        store.record_decisions(
            session, service.decide_issues(bugs, builtin_policy(), context, trouble)
        )


def _settings(endpoint: Endpoint, **route: Any) -> Notifications:
    return Notifications(
        review_after_hours=4,
        routes=[Route(name="releases", url=f"json://{endpoint.base}/releases/{SECRET}", **route)],
    )


def _pass(sessions: sessionmaker[Session], settings: Notifications, at: datetime = AT) -> None:
    notify_pass(sessions, settings, builtin_policy(), at)


PATH = f"/releases/{SECRET}"


def test_a_new_hotfix_candidate_and_a_changed_verdict(
    sessions: sessionmaker[Session], endpoint: Endpoint
) -> None:
    settings = _settings(endpoint, events=["hotfix-candidate", "verdict-changed"])
    _record(sessions, [_issue(1), _issue(2, "no-hotfix")])
    _pass(sessions, settings)
    candidate = endpoint.messages()
    assert candidate == [
        (
            PATH,
            "Hotfix candidate: Checkout crashes for every user",
            "github:acme/shop#1 qualifies as a hotfix.\n"
            + "\n".join(_reasons(sessions, "github:acme/shop#1")[:2])
            + "\nhttps://github.com/acme/shop/issues/1",
        )
    ]
    _pass(sessions, settings)  # nothing new: nothing sent twice
    assert endpoint.messages() == []

    _record(sessions, [_issue(1, "no-hotfix")])  # the report was edited: now a typo
    _pass(sessions, settings)
    assert endpoint.messages() == [
        (
            PATH,
            "Verdict changed: Typo on the about page",
            "github:acme/shop#1 was hotfix, now no-hotfix.\n"
            "What changed: significant yes → no; broad_reach yes → unknown; "
            "no_workaround yes → unknown.\n"
            "https://github.com/acme/shop/issues/1",
        )
    ]


def _reasons(sessions: sessionmaker[Session], key: str) -> list[str]:
    with sessions() as session:
        [latest], _ = store.list_decisions(session, key=key)
        record = store.get_decision(session, latest.id)
    assert record is not None
    reasons: list[str] = record.evidence["reasons"]
    return reasons


def test_hotfixes_approved_rejected_and_waiting_for_review(
    sessions: sessionmaker[Session], endpoint: Endpoint
) -> None:
    settings = _settings(endpoint, events=["hotfix-approved", "hotfix-rejected", "review-waiting"])
    _record(sessions, [_issue(1), _issue(2), _issue(3)])
    with sessions.begin() as session:
        ids = {d.subject_key: d.id for d in store.list_decisions(session)[0]}
        store.review(session, ids["github:acme/shop#1"], "approve", "Ada", reason="ships today")
        store.review(session, ids["github:acme/shop#2"], "reject", "Ada")
    _pass(sessions, settings, at=datetime.now(UTC))
    assert endpoint.messages() == [
        (
            PATH,
            "Hotfix approved: Checkout crashes for every user",
            "Ada approved the hotfix for github:acme/shop#1: ships today\n"
            "https://github.com/acme/shop/issues/1",
        ),
        (
            PATH,
            "Hotfix rejected: Checkout crashes for every user",
            "Ada rejected the hotfix for github:acme/shop#2.\nhttps://github.com/acme/shop/issues/2",
        ),
    ]
    # five hours later #3 still waits for a review: said once, however often the job runs
    later = datetime.now(UTC) + timedelta(hours=5)
    _pass(sessions, settings, at=later)
    _pass(sessions, settings, at=later + timedelta(minutes=1))
    [(path, title, body)] = endpoint.messages()
    assert (path, title) == (PATH, "Hotfix waiting for review: Checkout crashes for every user")
    assert body.startswith("github:acme/shop#3 has waited more than 4 hours for a review (decided ")
    assert body.endswith(" UTC).\nhttps://github.com/acme/shop/issues/3")


def test_the_hotfix_budget_exceeded(sessions: sessionmaker[Session], endpoint: Endpoint) -> None:
    settings = _settings(endpoint, events=["budget-exceeded"])
    release = date(2026, 11, 20)
    _record(sessions, [_issue(n) for n in range(1, 4)], release)
    _pass(sessions, settings)
    assert endpoint.messages() == []  # three hotfixes: the default budget allows three
    _record(sessions, [_issue(4)], release)
    _pass(sessions, settings)
    _pass(sessions, settings)
    assert endpoint.messages() == [
        (
            PATH,
            "Hotfix budget exceeded: next release",
            "4 hotfixes for release next release (2026-11-20); the policy allows 3 per release.",
        )
    ]


def test_a_decided_change_request_goes_to_its_requester(
    sessions: sessionmaker[Session], endpoint: Endpoint
) -> None:
    settings = Notifications(
        routes=[
            Route(name="requesters", url=f"json://{endpoint.base}/to/{{requester}}"),
            Route(
                name="releases", url=f"json://{endpoint.base}/releases", events=["hotfix-candidate"]
            ),
        ]
    )
    change = ChangeRequest(
        id="MKT-101",
        title="Black Friday banner text on the homepage",
        changes=["text"],
        areas=["homepage"],
        template="promo-banner",
        needed_by=date(2026, 11, 27),
        reason="The Black Friday promotion starts on Friday morning.",
        requested_by="dana",
    )
    decision = service.decide_change(change, builtin_policy(), context_from_options(DAY, None))
    with sessions.begin() as session:
        store.upsert_change_requests(session, [change])
        store.record_decisions(session, [decision])
    _record(sessions, [_issue(7, "no-hotfix")])  # a bug: nothing for the requester route
    _pass(sessions, settings)
    words = {"hotfix": "It can go live now, outside the release train."}
    assert endpoint.messages() == [
        (
            "/to/dana",
            "Your change request: Black Friday banner text on the homepage",
            "\n".join([words[decision.verdict], *decision.reasons[:2]]),
        )
    ]


@pytest.mark.parametrize(
    ("route", "sent"),
    [
        ({}, ["#1", "#2", "#3"]),
        ({"components": ["search"]}, ["#2"]),
        ({"severities": ["S1"]}, ["#1"]),
        ({"verdicts": ["wait"]}, []),
        ({"events": ["verdict-changed"]}, []),
    ],
)
def test_routes_by_event_verdict_component_and_severity(
    sessions: sessionmaker[Session], endpoint: Endpoint, route: dict[str, Any], sent: list[str]
) -> None:
    _record(
        sessions,
        [
            _issue(1, severity="S1"),
            _issue(2, component="search", severity="S2"),
            _issue(3, severity="S2"),
        ],
    )
    _pass(sessions, _settings(endpoint, **route))
    keys = [
        body.split(" ", 1)[0].removeprefix("github:acme/shop") for _, _, body in endpoint.messages()
    ]
    assert keys == sent


def test_a_digest_route_gets_one_message_a_day(
    sessions: sessionmaker[Session], endpoint: Endpoint
) -> None:
    settings = _settings(endpoint, events=["hotfix-candidate"], digest=True)
    _record(sessions, [_issue(1), _issue(2)])
    _pass(sessions, settings, at=AT.replace(hour=7))  # before the digest hour (08:00 UTC)
    assert endpoint.messages() == []
    _pass(sessions, settings, at=AT)
    _pass(sessions, settings, at=AT + timedelta(hours=1))  # once a day
    [(path, title, body)] = endpoint.messages()
    assert (path, title) == (PATH, "hotgate digest: 2 notifications")
    assert body.split("\n\n")[0].startswith("Hotfix candidate: Checkout crashes for every user\n")
    assert "github:acme/shop#1 qualifies" in body and "github:acme/shop#2 qualifies" in body


def test_a_failed_notification_is_retried_and_recorded_and_never_fails_a_decision(
    sessions: sessionmaker[Session], endpoint: Endpoint
) -> None:
    settings = _settings(endpoint, events=["hotfix-candidate"])
    endpoint.refuse = 2
    _record(sessions, [_issue(1)])
    _pass(sessions, settings)
    with sessions() as session:
        [message] = outbox.list_notifications(session)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error is not None and "500" in message.last_error
    assert message.next_try_at == AT + timedelta(seconds=30)
    _pass(sessions, settings, at=AT + timedelta(seconds=10))  # not yet due: not tried
    assert endpoint.refused == 1
    _pass(sessions, settings, at=AT + timedelta(seconds=30))
    _pass(sessions, settings, at=AT + timedelta(seconds=90))
    assert [title for _, title, _ in endpoint.messages()] == [
        "Hotfix candidate: Checkout crashes for every user"
    ]
    with sessions() as session:
        [message] = outbox.list_notifications(session)
        stored = session.execute(select(notifications)).mappings().one()
        [decision], _ = store.list_decisions(session)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert decision.verdict == "hotfix"  # the decision stood throughout
    assert all(SECRET not in str(value) for value in stored.values())


def test_a_route_without_its_address_is_recorded_not_raised(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTGATE_TEST_HOOK", raising=False)
    settings = Notifications(routes=[Route(name="ops", url_env="HOTGATE_TEST_HOOK")])
    _record(sessions, [_issue(1)])
    _pass(sessions, settings)
    with sessions() as session:
        [message] = outbox.list_notifications(session)
    assert (message.status, message.attempts, message.last_error) == (
        "pending",
        1,
        "notification route 'ops': environment variable HOTGATE_TEST_HOOK is not set",
    )
