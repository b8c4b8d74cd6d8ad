"""Decisions, issues and the audit log for the faces: deciding and recording subjects, reading them.

Every function takes a SQLAlchemy `Session` and never commits: the face owns the transaction.
The reads are the store's own functions, offered here so that the faces have one door.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from hotgate import service, store
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.store import (
    DeliveryReplayError,
    answers_for,
    audit,
    audit_entries,
    default_database_url,
    get_decision,
    history,
    latest_decisions,
    list_decisions,
    list_issues,
    note_delivery,
    replay_message,
    session_factory,
)
from hotgate.store.records import Counts, DecisionSummary, Role

__all__ = [
    "DeliveryReplayError",
    "answers_for",
    "audit",
    "audit_entries",
    "decide_and_record",
    "default_database_url",
    "get_decision",
    "history",
    "latest_decisions",
    "list_decisions",
    "list_issues",
    "note_delivery",
    "replay_message",
    "session_factory",
]


def decide_and_record(
    session: Session,
    issues: Sequence[Issue],
    policy: Policy,
    context: Context,
    answered_by: str,
    answered_role: Role | None = None,
) -> tuple[Counts, dict[str, DecisionSummary]]:
    """Decide issues (weighing past trouble in their components), store them and their decisions.

    Returns what was written of the issues, and each key's latest decision as now recorded,
    in the order the issues came.
    answered_by (and answered_role) name who gave any answers the issues carry. Nothing is
    committed here; the caller audits and commits.
    """
    trouble = store.troubled_hotfixes_by_component(session)
    decisions = service.decide_issues(list(issues), policy, context, trouble)
    counts = store.upsert_issues(session, list(issues))
    store.record_decisions(session, decisions, answered_by=answered_by, answered_role=answered_role)
    keys = list(dict.fromkeys(issue.key for issue in issues))
    latest = store.latest_decisions(session, keys)
    return counts, {key: latest[key] for key in keys}
