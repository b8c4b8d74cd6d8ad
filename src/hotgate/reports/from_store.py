"""Reading decisions and their review states from the store, for the hotfix report."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotgate.reports.decision_files import ReportInputError, parse_time
from hotgate.reports.figures import decisions_frame
from hotgate.store.records import utc
from hotgate.store.reports import TROUBLED_SUBJECT, component_of
from hotgate.store.tables import FINAL_VERDICT, decisions, issues


def _rows(session: Session) -> Iterator[dict[str, Any]]:
    # The latest assessment of each subject gives its verdict and review state; the first
    # one gives the day it was decided, so re-assessments do not reset the time to decision.
    first = (
        select(
            decisions.c.subject_key,
            func.min(decisions.c.created_at).label("first_at"),
            TROUBLED_SUBJECT.label("trouble"),
        )
        .group_by(decisions.c.subject_key)
        .subquery()
    )
    query = (
        select(
            decisions.c.subject_key,
            decisions.c.source,
            FINAL_VERDICT.label("verdict"),
            decisions.c.state,
            decisions.c.release_name,
            decisions.c.release_date,
            decisions.c.component,
            first.c.first_at,
            first.c.trouble,
            issues.c.document,
        )
        .join(first, first.c.subject_key == decisions.c.subject_key)
        .outerjoin(issues, issues.c.key == decisions.c.subject_key)
        .where(decisions.c.latest.is_(True))
        .order_by(decisions.c.subject_key)
    )
    for row in session.execute(query).mappings():
        document: Mapping[str, Any] = row["document"] or {}
        decided = row["first_at"]
        yield {
            "key": row["subject_key"],
            "source": row["source"],
            "component": component_of(row["component"], document),
            "verdict": row["verdict"],
            "state": row["state"],
            "troubled": bool(row["trouble"]),
            "release": row["release_name"],
            "release_date": row["release_date"],
            "decided": utc(decided)
            if isinstance(decided, datetime)
            else parse_time(decided, "created_at"),
            "reported": parse_time(document.get("created"), f"issue {row['subject_key']} created"),
        }


def store_decisions(engine: Engine) -> pl.DataFrame:
    """Every subject's latest decision with its review state, component and report time."""
    try:
        if not inspect(engine).has_table("decisions"):
            raise ReportInputError(
                f"{engine.url.render_as_string(hide_password=True)}: no decisions on record "
                "(run `hotgate db upgrade` and record decisions first, or give --from FILE)"
            )
        with Session(engine) as session:
            return decisions_frame(_rows(session))
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise ReportInputError(
            f"{url}: cannot read the store: {str(exc).splitlines()[0]}"
        ) from None
