"""Change requests for the faces: decide one and keep it with who asked, and read them back.

Every function takes a SQLAlchemy `Session` and never commits: the face owns the transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotgate import store
from hotgate.model import ChangeRequest, Decision
from hotgate.policy.changes.content_lane import decide_changes
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.store import get_change_request, get_change_requests
from hotgate.store.records import Role

__all__ = ["decide_and_keep", "get_change_request", "get_change_requests"]


def decide_and_keep(
    session: Session,
    change: ChangeRequest,
    policy: Policy,
    context: Context,
    actor: str,
    role: Role | None,
) -> Decision:
    """Decide a change request, store it and its decision, and audit who asked.

    actor is who the server knows is calling (a token's name, or anonymous); the name an
    anonymous caller gives is kept as what they stated (`requested_by`), never as who acted.
    Raises PolicyError when the policy has no content lane. Nothing is committed here.
    """
    decision = next(decide_changes(policy, [change], context))
    store.upsert_change_requests(session, [change])
    store.record_decisions(session, [decision], answered_by=actor, answered_role=role)
    store.audit(
        session,
        actor,
        "change-request",
        change.key,
        {
            "verdict": decision.verdict,
            "requested_by": change.requested_by,
            "requested_by_checked": role is not None,
        },
    )
    return decision
