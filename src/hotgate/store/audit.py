"""The append-only audit log: who changed what, when (the database refuses edits to it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotgate.store.cutting import cut_document, fit
from hotgate.store.records import AuditEntry, now
from hotgate.store.tables import audit_log


def audit(
    session: Session, actor: str, action: str, target: str, details: dict[str, Any] | None = None
) -> None:
    """Append one entry to the audit log (in the caller's transaction); long texts are cut."""
    session.execute(
        audit_log.insert().values(
            at=now(),
            actor=fit(actor, 200),
            action=action,
            target=fit(target, 300),
            details=cut_document(details or {}, {}),
        )
    )


def audit_entries(
    session: Session,
    *,
    target: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """A page of the audit log, newest first, and the total count."""
    conditions = []
    if target:
        conditions.append(audit_log.c.target == target)
    if actor:
        conditions.append(audit_log.c.actor == actor)
    total = session.execute(
        select(func.count()).select_from(audit_log).where(*conditions)
    ).scalar_one()
    query = (
        select(audit_log)
        .where(*conditions)
        .order_by(audit_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    entries = [AuditEntry.model_validate(dict(row)) for row in session.execute(query).mappings()]
    return entries, int(total)
