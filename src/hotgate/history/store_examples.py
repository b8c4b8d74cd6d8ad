"""Examples from the store: reviewed decisions, labelled by what people did with them."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from hotgate.history.backtest import ACCEPTED, REJECTED
from hotgate.history.examples import Examples
from hotgate.model import SHIPPED_STATES, TROUBLE_STATES
from hotgate.policy.definition.schema import ISSUE_CRITERIA
from hotgate.store.learning import reviewed_decisions

SHIPPING = {"hotfix", "wait"}


def outcome(verdict: str, state: str, final_verdict: str | None) -> str | None:
    """What people decided: accepted (it qualifies), rejected, or None when it says nothing.

    Approved or overridden: the verdict that stands. Rejected: the opposite of hotgate's verdict.
    Deployed and later: it shipped. needs-info says neither.
    """
    if state in SHIPPED_STATES:
        return ACCEPTED
    if state == "rejected":
        standing, flipped = verdict, True
    else:
        standing, flipped = final_verdict or verdict, False
    if standing == "needs-info":
        return None
    qualifies = (standing in SHIPPING) != flipped
    return ACCEPTED if qualifies else REJECTED


def _row(record: dict[str, Any]) -> dict[str, Any] | None:
    actual = outcome(record["verdict"], record["state"], record["final_verdict"])
    if actual is None:
        return None
    evidence = record["evidence"] or {}
    probabilities = {c.get("name"): c.get("probability") for c in evidence.get("criteria") or []}
    release, as_of = record["release_date"], record["as_of"]
    row: dict[str, Any] = {
        "key": record["subject_key"],
        "component": record["component"],
        "days_until_release": (release - as_of).days if release and as_of else None,
        "actual": actual,
        "_trouble": record["state"] in TROUBLE_STATES
        if record["state"] in SHIPPED_STATES
        else None,
    }
    for name in ISSUE_CRITERIA:
        row[f"{name}__probability"] = probabilities.get(name)
    return row


def from_store(session: Session, label: str = "the store") -> Examples:
    """Reviewed issue decisions as examples: criteria beliefs, component and timing, as decided."""
    rows = [r for r in map(_row, reviewed_decisions(session)) if r is not None]
    schema: dict[str, Any] = {
        "key": pl.String,
        "component": pl.String,
        "days_until_release": pl.Int64,
        "actual": pl.String,
        "_trouble": pl.Boolean,
        **{f"{name}__probability": pl.Float64 for name in ISSUE_CRITERIA},
    }
    frame = pl.DataFrame(rows, schema=schema)
    return Examples(frame, label, None, [], [], with_criteria=True)
