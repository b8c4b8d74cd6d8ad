"""Events worth telling people, read from the store since the last look.

Decisions and reviews are read after saved cursors (moved in the same transaction as the
outbox rows they give), so an event is announced once however often, or wherever, it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotgate import store
from hotgate.policy.definition.schema import Policy
from hotgate.store.records import utc
from hotgate.store.tables import change_requests, decisions, issues, reviews

DECISIONS_CURSOR = "notify:decisions"
REVIEWS_CURSOR = "notify:reviews"
BATCH = 2000
FIRST_LOOK = timedelta(days=1)


@dataclass(frozen=True)
class Event:
    """Something to tell: its kind, identity (announced once), words and routing facts."""

    name: str
    identity: str
    subject_key: str | None
    title: str
    body: str
    verdict: str | None = None
    component: str | None = None
    severity: str | None = None
    requester: str | None = None


def _with_url(lines: list[str], url: str | None) -> str:
    return "\n".join([*lines, *([url] if url else [])])


def _answers(evidence: dict[str, Any] | None) -> dict[str, str]:
    criteria = (evidence or {}).get("criteria") or []
    return {c["name"]: c.get("answer", "unknown") for c in criteria if "name" in c}


def what_changed(before: Any, after: Any) -> str:
    """The answers and release that differ between two assessments of a subject, in words."""
    old, new = _answers(before.evidence), _answers(after.evidence)
    moved = [
        f"{name} {old.get(name, 'unknown')} → {new[name]}"
        for name in new
        if old.get(name, "unknown") != new[name]
    ]
    if before.release_name != after.release_name or before.release_date != after.release_date:
        moved.append(
            f"next release {before.release_name or 'none'} → {after.release_name or 'none'}"
        )
    if (before.evidence or {}).get("override") != (after.evidence or {}).get("override"):
        moved.append(f"override {(after.evidence or {}).get('override') or 'none'}")
    return "; ".join(moved) if moved else "the report changed, no answer moved"


def _facts(session: Session, keys: set[str]) -> dict[str, tuple[str | None, str | None]]:
    """Severity (from the stored issue) and requester (from the change request) per key."""
    found: dict[str, tuple[str | None, str | None]] = {}
    if not keys:
        return found
    for key, document in session.execute(
        select(issues.c.key, issues.c.document).where(issues.c.key.in_(keys))
    ):
        found[key] = ((document or {}).get("severity"), None)
    for key, requester in session.execute(
        select(change_requests.c.key, change_requests.c.requested_by).where(
            change_requests.c.key.in_(keys)
        )
    ):
        found[key] = (None, requester)
    return found


def decision_events(session: Session, after: int) -> tuple[list[Event], int]:
    """Events from decisions recorded after the cursor id; the new cursor."""
    rows = session.execute(
        select(decisions).where(decisions.c.id > after).order_by(decisions.c.id).limit(BATCH)
    ).all()
    facts = _facts(session, {row.subject_key for row in rows})
    events: list[Event] = []
    for row in rows:
        severity, requester = facts.get(row.subject_key, (None, None))
        reasons = (row.evidence or {}).get("reasons") or []
        common = {
            "subject_key": row.subject_key,
            "verdict": row.verdict,
            "component": row.component,
            "severity": severity,
            "requester": requester,
        }
        if row.subject_kind == "change":
            words = {
                "hotfix": "It can go live now, outside the release train",
                "wait": "It will go live with the next release",
                "no-hotfix": "It goes through the normal release process",
                "needs-info": "We need a few answers before we can decide",
            }
            events.append(
                Event(
                    "change-decided",
                    f"change-decided:{row.id}",
                    title=f"Your change request: {row.title}",
                    body=_with_url(
                        [f"{words.get(row.verdict, row.verdict)}.", *reasons[:2]], row.url
                    ),
                    **common,
                )
            )
            continue
        if row.verdict_changed and row.previous_verdict is not None:
            before = session.execute(
                select(decisions.c.evidence, decisions.c.release_name, decisions.c.release_date)
                .where(decisions.c.subject_key == row.subject_key, decisions.c.id < row.id)
                .order_by(decisions.c.id.desc())
                .limit(1)
            ).first()
            change = what_changed(before, row) if before is not None else "a new assessment"
            events.append(
                Event(
                    "verdict-changed",
                    f"verdict-changed:{row.id}",
                    title=f"Verdict changed: {row.title}",
                    body=_with_url(
                        [
                            f"{row.subject_key} was {row.previous_verdict}, now {row.verdict}.",
                            f"What changed: {change}.",
                        ],
                        row.url,
                    ),
                    **common,
                )
            )
        if row.verdict == "hotfix" and row.previous_verdict != "hotfix":
            events.append(
                Event(
                    "hotfix-candidate",
                    f"hotfix-candidate:{row.id}",
                    title=f"Hotfix candidate: {row.title}",
                    body=_with_url(
                        [f"{row.subject_key} qualifies as a hotfix.", *reasons[:2]], row.url
                    ),
                    **common,
                )
            )
    return events, (rows[-1].id if rows else after)


def review_events(session: Session, after: int) -> tuple[list[Event], int]:
    """Hotfixes approved or rejected in reviews made after the cursor id; the new cursor."""
    rows = session.execute(
        select(
            reviews,
            decisions.c.subject_key,
            decisions.c.title,
            decisions.c.url,
            decisions.c.verdict.label("original"),
            decisions.c.component,
        )
        .join(decisions, decisions.c.id == reviews.c.decision_id)
        .where(reviews.c.id > after)
        .order_by(reviews.c.id)
        .limit(BATCH)
    ).all()
    facts = _facts(session, {row.subject_key for row in rows})
    events: list[Event] = []
    for row in rows:
        if row.action == "override":
            if row.verdict != "hotfix":
                continue
            approved = True
        elif row.action in {"approve", "reject"} and row.original == "hotfix":
            approved = row.action == "approve"
        else:
            continue
        name = "hotfix-approved" if approved else "hotfix-rejected"
        done = "approved" if approved else "rejected"
        because = f": {row.reason}" if row.reason else "."
        events.append(
            Event(
                name,
                f"{name}:{row.id}",
                row.subject_key,
                title=f"Hotfix {done}: {row.title}",
                body=_with_url(
                    [f"{row.actor} {done} the hotfix for {row.subject_key}{because}"], row.url
                ),
                verdict="hotfix",
                component=row.component,
                severity=facts.get(row.subject_key, (None, None))[0],
            )
        )
    return events, (rows[-1].id if rows else after)


def waiting_reviews(session: Session, at: datetime, hours: float) -> Iterator[Event]:
    """Hotfixes proposed longer than `hours` ago that nobody has reviewed yet."""
    before = at - timedelta(hours=hours)
    rows = session.execute(
        select(
            decisions.c.id,
            decisions.c.subject_key,
            decisions.c.title,
            decisions.c.url,
            decisions.c.component,
            decisions.c.created_at,
        )
        .where(
            decisions.c.latest.is_(True),
            decisions.c.state == "proposed",
            decisions.c.verdict == "hotfix",
            decisions.c.created_at <= before,
        )
        .order_by(decisions.c.id)
    ).all()
    facts = _facts(session, {row.subject_key for row in rows})
    for row in rows:
        since = utc(row.created_at)
        yield Event(
            "review-waiting",
            f"review-waiting:{row.id}",
            row.subject_key,
            title=f"Hotfix waiting for review: {row.title}",
            body=_with_url(
                [
                    f"{row.subject_key} has waited more than {hours:g} hours for a review "
                    f"(decided {since:%Y-%m-%d %H:%M} UTC)."
                ],
                row.url,
            ),
            verdict="hotfix",
            component=row.component,
            severity=facts.get(row.subject_key, (None, None))[0],
        )


def budget_events(engine: Engine, policy: Policy) -> Iterator[Event]:
    """One event per release cycle with more hotfixes than the policy's budget."""
    budget = policy.reports.hotfix_budget_per_release
    if budget is None:
        return
    from hotgate.reports.figures import hotfixes_per_release
    from hotgate.reports.from_store import store_decisions

    for cycle in hotfixes_per_release(store_decisions(engine), budget):
        if cycle["over_budget"]:
            day = f" ({cycle['release_date']})" if cycle["release_date"] else ""
            yield Event(
                "budget-exceeded",
                f"budget-exceeded:{cycle['release']}",
                None,
                title=f"Hotfix budget exceeded: {cycle['release']}",
                body=f"{cycle['hotfixes']} hotfixes for release {cycle['release']}{day}; "
                f"the policy allows {budget} per release.",
                verdict="hotfix",
            )


def _first_cursor(session: Session, table: Any, at: datetime) -> int:
    """Where a first look starts: after what was recorded more than FIRST_LOOK ago."""
    older = select(func.max(table.c.id)).where(table.c.created_at < at - FIRST_LOOK)
    return int(session.execute(older).scalar() or 0)


def collect(session: Session, policy: Policy, at: datetime, review_hours: float) -> list[Event]:
    """Every event since the saved cursors (which move, in the caller's transaction).

    The first look announces what was recorded in the last day, not a store's whole history.
    """
    events: list[Event] = []
    looks = (
        (DECISIONS_CURSOR, decision_events, decisions),
        (REVIEWS_CURSOR, review_events, reviews),
    )
    for cursor, read, table in looks:
        saved = store.get_cursor(session, cursor)
        after = int(saved) if saved is not None else _first_cursor(session, table, at)
        found, last = read(session, after)
        events.extend(found)
        if last != after or saved is None:
            store.set_cursor(session, cursor, str(last))
    events.extend(waiting_reviews(session, at, review_hours))
    events.extend(budget_events(session.get_bind(), policy))  # type: ignore[arg-type]
    return events
