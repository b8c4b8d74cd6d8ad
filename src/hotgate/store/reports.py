"""Figures for the dashboard, and the troubled hotfixes per component that feed the risk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Date, case, func, select
from sqlalchemy.orm import Session

from hotgate.model import NO_RELEASE, TROUBLE_STATES
from hotgate.store.tables import FINAL_VERDICT, decisions, issues

# A hotfix as `hotgate report` counts it (hotgate.reports.figures): each subject's latest decision,
# verdict hotfix after review, not rejected by a person.
_HOTFIX = (
    decisions.c.latest.is_(True),
    FINAL_VERDICT == "hotfix",
    func.coalesce(decisions.c.state, "") != "rejected",
)
# An assessment rolled back or followed by a regression. A subject is troubled when any of its
# assessments is: a re-assessment starts a new row, and the trouble of an earlier one still counts.
TROUBLED_ASSESSMENT = decisions.c.state.in_(sorted(TROUBLE_STATES))
# Per subject key (grouped): 1 when any of its assessments was troubled, else 0.
TROUBLED_SUBJECT = func.max(case((TROUBLED_ASSESSMENT, 1), else_=0))


def verdicts_by_day(session: Session, limit_days: int = 90) -> list[dict[str, Any]]:
    """How many decisions of each verdict were recorded per day (the last limit_days days seen)."""
    # date() exists on SQLite and PostgreSQL alike, unlike a CAST that SQLite reads as a number
    day = func.date(decisions.c.created_at, type_=Date).label("day")
    query = (
        select(day, FINAL_VERDICT.label("verdict"), func.count().label("count"))
        .group_by(day, FINAL_VERDICT)
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
    expr = FINAL_VERDICT if column == "verdict" else decisions.c[column]
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


# A hotfix (as above) whose subject any assessment marked rolled back or regressed.
_TROUBLED_HOTFIX = (
    *_HOTFIX,
    decisions.c.subject_key.in_(select(decisions.c.subject_key).where(TROUBLED_ASSESSMENT)),
)


def troubled(session: Session) -> int:
    """How many hotfixes were later rolled back or followed by a regression (as the report says)."""
    query = select(func.count()).select_from(decisions).where(*_TROUBLED_HOTFIX)
    return int(session.execute(query).scalar_one())


def troubled_hotfixes_by_component(session: Session) -> dict[str, int]:
    """Hotfixes later rolled back or followed by a regression, counted per component.

    The same hotfixes and the same trouble as the report's `by_component` figure
    (hotgate.reports.figures.area_trouble_counts): the decision's component, or for one recorded
    before decisions kept it, the stored issue's. Troubled hotfixes are few, so they are
    counted here rather than in SQL.
    """
    query = (
        select(decisions.c.component, issues.c.document)
        .select_from(decisions)
        .outerjoin(issues, issues.c.key == decisions.c.subject_key)
        .where(*_TROUBLED_HOTFIX)
    )
    counts: Counter[str] = Counter()
    for component, document in session.execute(query):
        known = component_of(component, document)
        if known:
            counts[known] += 1
    return dict(counts)


def component_of(recorded: str | None, document: Any) -> str | None:
    """A decision's component: as recorded with it, else its stored issue's."""
    if recorded:
        return recorded
    found = document.get("component") if isinstance(document, Mapping) else None
    return str(found) if found else None
