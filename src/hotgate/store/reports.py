"""Figures for the dashboard: decisions by verdict over time, hotfixes per release, states."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, func, select
from sqlalchemy.orm import Session

from hotgate.reports import NO_RELEASE
from hotgate.store.tables import decisions

_FINAL = func.coalesce(decisions.c.final_verdict, decisions.c.verdict)
# A hotfix as `hotgate report` counts it (hotgate.reports): each subject's latest decision,
# verdict hotfix after review, not rejected by a person.
_HOTFIX = (
    decisions.c.latest.is_(True),
    _FINAL == "hotfix",
    func.coalesce(decisions.c.state, "") != "rejected",
)


def verdicts_by_day(session: Session, limit_days: int = 90) -> list[dict[str, Any]]:
    """How many decisions of each verdict were recorded per day (the last limit_days days seen)."""
    # date() exists on SQLite and PostgreSQL alike, unlike a CAST that SQLite reads as a number
    day = func.date(decisions.c.created_at, type_=Date).label("day")
    query = (
        select(day, _FINAL.label("verdict"), func.count().label("count"))
        .group_by(day, _FINAL)
        .order_by(day)
    )
    rows = [dict(row) for row in session.execute(query).mappings()]
    days = sorted({row["day"] for row in rows})[-limit_days:]
    return [row for row in rows if row["day"] in set(days)]


def hotfixes_per_release(session: Session) -> list[dict[str, Any]]:
    """Hotfixes counted per release cycle (the release that was next when decided)."""
    name = func.coalesce(decisions.c.release_name, NO_RELEASE).label("release")
    query = (
        select(name, func.count().label("count"))
        .where(*_HOTFIX)
        .group_by(name)
        .order_by(func.min(decisions.c.release_date))
    )
    return [dict(row) for row in session.execute(query).mappings()]


def counts_by(session: Session, column: str) -> dict[str, int]:
    """Latest decisions counted by verdict (after review) or by state."""
    expr = _FINAL if column == "verdict" else decisions.c[column]
    query = select(expr, func.count()).where(decisions.c.latest.is_(True)).group_by(expr)
    return {str(value): int(count) for value, count in session.execute(query)}


def sources(session: Session) -> list[str]:
    """The sources that have decisions on record."""
    query = (
        select(decisions.c.source)
        .where(decisions.c.latest.is_(True))
        .distinct()
        .order_by(decisions.c.source)
    )
    return [str(value) for value in session.execute(query).scalars()]


def rolled_back(session: Session) -> int:
    """How many hotfixes were rolled back: the ones that later caused trouble."""
    rolled = decisions.c.state == "rolled-back"
    query = select(func.count()).select_from(decisions).where(*_HOTFIX, rolled)
    return int(session.execute(query).scalar_one())
