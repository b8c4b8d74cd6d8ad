"""Turning decisions into rows to record: a Decision object, or a whole evaluated batch at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
import polars as pl
from sqlalchemy.orm import Session

from hotgate.model import VERDICTS, Decision, Release
from hotgate.policy.schema import Policy
from hotgate.store.decisions import record_rows
from hotgate.store.records import Counts, now

VERDICT_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


def source_of(key: str) -> str:
    """The source named by a subject key: github for github:OWNER/REPO#N."""
    return key.split(":", 1)[0] if ":" in key else "hotgate"


def decision_row(decision: Decision, at: datetime | None = None) -> dict[str, Any]:
    """One Decision as a row; its whole object is kept as the evidence."""
    release = decision.release
    return {
        "subject_key": decision.subject.key,
        "subject_kind": decision.subject.kind,
        "source": source_of(decision.subject.key),
        "title": decision.subject.title,
        "url": decision.subject.url,
        "component": decision.subject.component,
        "verdict": decision.verdict,
        "override": decision.override,
        "state": "proposed",
        "final_verdict": None,
        "as_of": decision.as_of,
        "release_name": release.name if release else None,
        "release_date": release.date if release else None,
        "policy_name": decision.policy.name,
        "policy_sha256": decision.policy.sha256,
        "cost_of_waiting": decision.risk.cost_of_waiting,
        "risk_of_hotfix": decision.risk.risk_of_hotfix,
        "rank": VERDICT_RANK[decision.verdict],
        "evidence": orjson.dumps(decision.model_dump(mode="json")).decode(),
        "version": 1,
        "created_at": at or now(),
        "updated_at": None,
    }


def record_decisions(session: Session, decisions: Iterable[Decision]) -> Counts:
    """Record Decision objects (keeping every assessment); nothing is committed here."""
    at = now()
    return record_rows(session, (decision_row(d, at) for d in decisions))


def _evidence_expr(policy: Policy) -> pl.Expr:
    """The checklist of a batch as JSON, built as columns: each answer, its rule and reason.

    Criterion titles and questions are the policy's own and the same on every row; they are
    left out (a million rows would repeat them a million times) and shown from the policy.
    """
    criteria = []
    for name in policy.criterion_names():
        spec = policy.criteria[name]
        because = {rule.name: rule.because for rule in spec.rules}
        because["answered-by-a-person"] = "A person answered it."
        rule = pl.col(f"{name}__rule")
        criteria.append(
            pl.struct(
                name=pl.lit(name),
                answer=pl.col(f"{name}__answer"),
                probability=pl.col(f"{name}__probability").round(3),
                evidence=pl.struct(
                    rule=rule,
                    because=rule.replace_strict(because, default=None, return_dtype=pl.String),
                ),
            )
        )
    return pl.struct(
        probability=pl.col("probability").round(3),
        criteria=pl.concat_list(criteria),
        override=pl.col("override"),
        compact=pl.lit(True),
    ).struct.json_encode()


def frame_rows(
    frame: pl.DataFrame, policy: Policy, as_of: Any, release: Release | None, at: datetime
) -> Iterator[dict[str, Any]]:
    """The rows of an evaluated batch (engine.evaluate), evidence as a compact checklist.

    Building a full Decision per row costs about a millisecond; a million-issue triage run
    records the checklist (answers, rules and their reasons) computed over columns instead.
    """
    table = frame.select(
        subject_key=pl.col("key"),
        title=pl.col("title"),
        url=pl.col("url"),
        component=pl.col("component"),
        verdict=pl.col("verdict"),
        override=pl.col("override"),
        cost_of_waiting=pl.col("cost_of_waiting").cast(pl.Float64),
        risk_of_hotfix=pl.col("risk_of_hotfix").cast(pl.Float64),
        rank=pl.col("_rank"),
        evidence=_evidence_expr(policy),
    )
    constant = {
        "subject_kind": "issue",
        "state": "proposed",
        "final_verdict": None,
        "as_of": as_of,
        "release_name": release.name if release else None,
        "release_date": release.date if release else None,
        "policy_name": policy.name,
        "policy_sha256": policy.sha256,
        "version": 1,
        "created_at": at,
        "updated_at": None,
    }
    for row in table.iter_rows(named=True):
        row.update(constant)
        row["source"] = source_of(row["subject_key"])
        yield row


def record_frames(
    session: Session,
    frames: Iterable[pl.DataFrame],
    policy: Policy,
    as_of: Any,
    release: Release | None,
) -> Counts:
    """Record every evaluated batch; nothing is committed here."""
    at = now()
    total = Counts()
    for frame in frames:
        total.add(record_rows(session, frame_rows(frame, policy, as_of, release, at)))
    return total
