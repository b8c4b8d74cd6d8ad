"""Reviews: approve, reject or override; then deployed, verified, regressed or rolled back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotgate.model import VERDICTS
from hotgate.store.audit import audit
from hotgate.store.decisions import get_decision
from hotgate.store.records import Action, DecisionRecord, State, now
from hotgate.store.tables import decisions, reviews

# action -> (the states it may follow, the state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[State], State]] = {
    "approve": (frozenset({"proposed"}), "approved"),
    "reject": (frozenset({"proposed"}), "rejected"),
    "override": (frozenset({"proposed", "approved", "rejected"}), "overridden"),
    "deployed": (frozenset({"approved", "overridden"}), "deployed"),
    "verified": (frozenset({"deployed"}), "verified"),
    # a shipped hotfix followed by a regression; it may still be rolled back afterwards
    "regressed": (frozenset({"deployed", "verified"}), "regressed"),
    "rolled-back": (frozenset({"deployed", "verified", "regressed"}), "rolled-back"),
}


def next_actions(state: State) -> list[Action]:
    """The review steps a decision in this state allows, in workflow order."""
    return [action for action, (allowed, _) in TRANSITIONS.items() if state in allowed]


class ReviewError(Exception):
    """A review that cannot be applied; the message says why in plain words."""


class DecisionNotFoundError(ReviewError):
    """No decision has that id."""


class ReviewInvalidError(ReviewError):
    """The review itself is incomplete: an override without a verdict or reason."""


class ReviewConflictError(ReviewError):
    """The decision changed since it was read, or its state does not allow this action."""


def review(
    session: Session,
    decision_id: int,
    action: Action,
    actor: str,
    *,
    reason: str | None = None,
    verdict: str | None = None,
    expected_version: int | None = None,
) -> DecisionRecord:
    """Apply one review step; a stale version or a concurrent review raises ReviewConflictError.

    The update only matches the version that was read, so of two reviews at once exactly
    one changes the row; nothing is committed here.
    """
    reason = (reason or "").strip() or None
    if action == "override":
        if verdict not in VERDICTS:
            raise ReviewInvalidError(
                f"an override names the new verdict: one of {', '.join(VERDICTS)}"
            )
        if not reason:
            raise ReviewInvalidError("an override needs a reason")
    elif verdict is not None:
        raise ReviewInvalidError("only an override names a verdict")
    current = session.execute(
        select(
            decisions.c.state, decisions.c.version, decisions.c.verdict, decisions.c.final_verdict
        ).where(decisions.c.id == decision_id)
    ).first()
    if current is None:
        raise DecisionNotFoundError(f"no decision {decision_id}")
    state, version, original, final = current
    if expected_version is not None and expected_version != version:
        raise ReviewConflictError(
            f"decision {decision_id} changed since you loaded it (version {expected_version}, now "
            f"{version}); reload it and review again"
        )
    allowed, target = TRANSITIONS[action]
    if state not in allowed:
        needed = " or ".join(sorted(allowed))
        raise ReviewConflictError(f"decision {decision_id} is {state}; '{action}' needs {needed}")
    values: dict[str, Any] = {"state": target, "version": version + 1, "updated_at": now()}
    if action == "approve":
        values["final_verdict"] = original
    elif action == "override":
        values["final_verdict"] = verdict
    elif action == "reject":
        values["final_verdict"] = None
    changed = session.execute(
        update(decisions)
        .where(decisions.c.id == decision_id, decisions.c.version == version)
        .values(**values)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise ReviewConflictError(
            f"decision {decision_id} was reviewed by someone else just now; reload it"
        )
    session.execute(
        reviews.insert().values(
            decision_id=decision_id,
            action=action,
            from_state=state,
            to_state=target,
            verdict=verdict,
            reason=reason,
            actor=actor,
            created_at=values["updated_at"],
        )
    )
    audit(
        session,
        actor,
        f"review.{action}",
        f"decision:{decision_id}",
        {
            "from": state,
            "to": target,
            "verdict": verdict,
            "reason": reason,
            "was": final or original,
        },
    )
    record = get_decision(session, decision_id)
    assert record is not None
    return record
