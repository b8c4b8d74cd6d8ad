"""Turning decisions into rows to record: a Decision object, or a decision document (a bulk
run's, built over its columns by policy/deciding/columns.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hotgate.model import PERSON, VERDICTS, Decision
from hotgate.store.cutting import FIELD_LIMIT, TITLE_LIMIT, cut, cut_json, fit
from hotgate.store.decisions import record_rows
from hotgate.store.packing import packed
from hotgate.store.records import Counts, Role, now

VERDICT_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


def source_of(key: str) -> str:
    """The source named by a subject key: github for github:OWNER/REPO#N."""
    return key.split(":", 1)[0] if ":" in key else "hotgate"


def rests_on_answers(decision: Decision) -> bool:
    """Whether a person's answer decided any of the decision's criteria."""
    return any(criterion.evidence.rule == PERSON for criterion in decision.criteria)


def decision_row(
    decision: Decision,
    at: datetime | None = None,
    answered_by: str | None = None,
    answered_role: Role | None = None,
) -> dict[str, Any]:
    """One Decision as a row; its whole object is kept as the evidence, long texts cut.

    answered_by and answered_role say who gave the answers the decision rests on (kept only
    when it rests on a person's answers). A cut text's full length is kept in the evidence's
    `cut` (place -> characters).
    """
    return document_row(decision.model_dump(mode="json"), at, answered_by, answered_role)


def document_row(
    document: dict[str, Any],
    at: datetime | None = None,
    answered_by: str | None = None,
    answered_role: Role | None = None,
    pack: bool = False,
) -> dict[str, Any]:
    """decision_row for a decision as its JSON document (Decision.model_dump(mode="json")).

    Bulk runs build these documents over a whole batch (policy/columns.py) and record them
    whole, the same evidence a single assessment keeps. With `pack` the evidence comes packed
    as SQLite keeps it (store/packing.py), so the processes that build the rows pack it.
    """
    evidence = cut_json(document)
    release = document["release"]
    subject = document["subject"]
    person = any(c["evidence"]["rule"] == PERSON for c in document["criteria"])
    return {
        "subject_key": subject["key"],
        "subject_kind": subject["kind"],
        "source": source_of(subject["key"]),
        "title": cut(subject["title"], TITLE_LIMIT),
        "url": cut(subject["url"], FIELD_LIMIT) if subject["url"] is not None else None,
        "component": fit(subject["component"], 200),
        "verdict": document["verdict"],
        "override": document["override"],
        "state": "proposed",
        "final_verdict": None,
        "as_of": date.fromisoformat(document["as_of"]),
        "release_name": fit(release["name"], 200) if release else None,
        "release_date": date.fromisoformat(release["date"]) if release else None,
        "policy_name": document["policy"]["name"],
        "policy_sha256": document["policy"]["sha256"],
        "cost_of_waiting": document["risk"]["cost_of_waiting"],
        "risk_of_hotfix": document["risk"]["risk_of_hotfix"],
        "rank": VERDICT_RANK[document["verdict"]],
        "evidence": packed(evidence) if pack else evidence.decode(),
        "version": 1,
        "created_at": at or now(),
        "updated_at": None,
        "answered_by": fit(answered_by, 200) if person else None,
        "answered_role": answered_role if person else None,
    }


def document_rows(
    documents: Iterable[dict[str, Any]],
    answered_by: str | None = None,
    answered_role: Role | None = None,
    pack: bool = False,
) -> list[dict[str, Any]]:
    """The rows that record decision documents, all made now (one timestamp); plain data,
    so a process that builds documents can make them for the one that records (`pack`: the
    evidence packed, for SQLite)."""
    at = now()
    return [document_row(d, at, answered_by, answered_role, pack) for d in documents]


def record_documents(
    session: Session,
    documents: Iterable[dict[str, Any]],
    *,
    answered_by: str | None = None,
    answered_role: Role | None = None,
) -> Counts:
    """record_decisions for decision documents (a bulk run's); nothing is committed here."""
    return record_rows(session, document_rows(documents, answered_by, answered_role))


def record_decisions(
    session: Session,
    decisions: Iterable[Decision],
    *,
    answered_by: str | None = None,
    answered_role: Role | None = None,
) -> Counts:
    """Record Decision objects (keeping every assessment); nothing is committed here.

    answered_by and answered_role name who sent the subjects: decisions that rest on a
    person's answers keep them (the fix lane asks an approver to approve such a hotfix
    unless an approver answered).
    """
    at = now()
    rows = (decision_row(d, at, answered_by, answered_role) for d in decisions)
    return record_rows(session, rows)
