"""Reviewed decisions as recorded at decision time: what learning and the override figures read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotgate.store.tables import decisions

REVIEWED_COLUMNS = (
    decisions.c.id,
    decisions.c.subject_key,
    decisions.c.component,
    decisions.c.verdict,
    decisions.c.state,
    decisions.c.final_verdict,
    decisions.c.as_of,
    decisions.c.release_date,
    decisions.c.evidence,
)


def reviewed_decisions(session: Session) -> list[dict[str, Any]]:
    """Every issue decision a person reviewed, oldest first, with the evidence it was made on.

    Only what was recorded when hotgate decided (the decision's evidence, component, day and
    release) and what people did after (state, final verdict); never the subject's later state.
    """
    query = (
        select(*REVIEWED_COLUMNS)
        .where(decisions.c.state != "proposed", decisions.c.subject_kind == "issue")
        .order_by(decisions.c.id)
    )
    return [dict(row) for row in session.execute(query).mappings()]


def overrides_by_criterion(session: Session) -> dict[str, dict[str, dict[str, int]]]:
    """Per criterion and its recorded answer: decisions reviewed, and how many were overridden.

    An override says a person disagreed with hotgate; the answers the decision gave each
    criterion show which beliefs people overrule most. Only the latest assessment counts.
    """
    query = select(decisions.c.state, decisions.c.evidence).where(
        decisions.c.latest.is_(True),
        decisions.c.state != "proposed",
        decisions.c.subject_kind == "issue",
    )
    table: dict[str, dict[str, dict[str, int]]] = {}
    for state, evidence in session.execute(query):
        overridden = state == "overridden"
        for criterion in (evidence or {}).get("criteria") or []:
            cell = table.setdefault(criterion.get("name", "?"), {}).setdefault(
                criterion.get("answer") or "unknown", {"reviewed": 0, "overridden": 0}
            )
            cell["reviewed"] += 1
            cell["overridden"] += overridden
    return table
