"""Sending the outbox through apprise: each message retried with backoff, digests once a day.

A message that cannot be sent is tried again later and recorded with apprise's reason; it never
touches the decision it is about. Addresses stay in the route: never in the store or a log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import apprise
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.notify.events import Event, collect
from hotgate.notify.routes import REQUESTER, Notifications, Route
from hotgate.policy.definition.schema import Policy
from hotgate.sources.base import SourceError
from hotgate.store import notifications as outbox
from hotgate.store.notifications import NotificationRecord

MAX_ATTEMPTS = 8
FIRST_WAIT = timedelta(seconds=30)
DIGEST_CURSOR = "notify:digest:"


@dataclass
class NotifyReport:
    """What one pass did."""

    events: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


def rows_for(events: list[Event], routes: list[Route]) -> list[dict[str, object]]:
    """The outbox rows of events: one per route that wants each (held for digest routes)."""
    rows: list[dict[str, object]] = []
    for event in events:
        for route in routes:
            facts = (event.verdict, event.component, event.severity, event.requester)
            if not route.wants(event.name, *facts):
                continue
            rows.append(
                {
                    "dedupe": f"{event.identity}>{route.name}",
                    "event": event.name,
                    "route": route.name,
                    "subject_key": event.subject_key,
                    "recipient": event.requester if route.to_requester() else None,
                    "title": event.title,
                    "body": event.body,
                    "status": "held" if route.digest else "pending",
                }
            )
    return rows


def send(route: Route, title: str, body: str, recipient: str | None = None) -> str | None:
    """Send one message to a route; None when it was accepted, else apprise's reason."""
    try:
        address = route.address()
    except SourceError as exc:  # an unset environment variable: recorded, tried again later
        return str(exc)
    if recipient is not None:
        address = address.replace(REQUESTER, recipient)
    sender = apprise.Apprise()
    if not sender.add(address):
        return f"route {route.name!r}: apprise does not understand its URL"
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        accepted = sender.notify(title=title, body=body)
    if accepted:
        return None
    # apprise's own words, without the address (its log lines name the service, not the URL)
    reason = " ".join(line.strip() for line in captured.getvalue().splitlines() if line.strip())
    return (reason or "the service did not accept the message").replace(address, route.name)[:500]


def _retry_at(attempts: int, at: datetime) -> datetime | None:
    """When to try again after `attempts` failures (30 s, 1 min, 2 min …), None to give up."""
    if attempts + 1 >= MAX_ATTEMPTS:
        return None
    later: datetime = at + FIRST_WAIT * (2**attempts)
    return later


def _deliver(
    sessions: sessionmaker[Session],
    routes: dict[str, Route],
    due: list[NotificationRecord],
    at: datetime,
    report: NotifyReport,
) -> None:
    for message in due:
        route = routes.get(message.route)
        error = (
            send(route, message.title, message.body, message.recipient)
            if route is not None
            else f"route {message.route!r} is no longer in the notifications section"
        )
        with sessions.begin() as session:
            if error is None:
                outbox.mark_sent(session, [message.id], at)
                report.sent += 1
            else:
                outbox.mark_failed(session, [message.id], error, _retry_at(message.attempts, at))
                report.failed += 1
                report.errors.append(f"{message.route}: {error}")


def _digests(
    sessions: sessionmaker[Session], settings: Notifications, at: datetime, report: NotifyReport
) -> None:
    """Each digest route's held messages as one, once a day after digest_at (UTC)."""
    if at.time() < settings.digest_at:
        return
    today = at.date().isoformat()
    for route in (r for r in settings.routes if r.digest):
        with sessions() as session:
            if store.get_cursor(session, DIGEST_CURSOR + route.name) == today:
                continue
            held = outbox.held_notifications(session, route.name)
        if held:
            title = f"hotgate digest: {len(held)} notification{'s' if len(held) != 1 else ''}"
            body = "\n\n".join(f"{m.title}\n{m.body}" for m in held)
            error = send(route, title, body)
            if error is not None:
                report.failed += 1
                report.errors.append(f"{route.name}: {error}")
                with sessions.begin() as session:
                    # still held (mark_failed keeps the status while a next try is set)
                    outbox.mark_failed(session, [m.id for m in held], error, at)
                continue
        with sessions.begin() as session:
            if held:
                outbox.mark_sent(session, [m.id for m in held], at)
            store.set_cursor(session, DIGEST_CURSOR + route.name, today)
        report.digests += 1 if held else 0
        report.sent += len(held)


def notify_pass(
    sessions: sessionmaker[Session], settings: Notifications, policy: Policy, at: datetime
) -> NotifyReport:
    """Look for new events, queue them for their routes, send what is due, and the digests."""
    report = NotifyReport()
    with sessions.begin() as session:
        events = collect(session, policy, at, settings.review_after_hours)
        report.events = len(events)
        report.queued = outbox.queue_notifications(session, rows_for(events, settings.routes), at)
    with sessions() as session:
        due = outbox.due_notifications(session, at)
    _deliver(sessions, {r.name: r for r in settings.routes}, due, at, report)
    _digests(sessions, settings, at, report)
    return report
