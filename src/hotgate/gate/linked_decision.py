"""The fix lane's link to the record: a hotfix pull request names an issue decided `hotfix`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from hotgate import store
from hotgate.gate.lanes import Refusal
from hotgate.model import PERSON
from hotgate.policy.definition.lanes import FixLane

# Review states in which a hotfix decision no longer lets a pull request through.
CLOSED_STATES = {"rejected", "rolled-back"}
# A regressed hotfix was approved and shipped; a follow-up fix for the regression may go through.
APPROVED_STATES = {"approved", "overridden", "deployed", "verified", "regressed"}
# Roles whose own answers need no one else's approval.
APPROVING_ROLES = {"approver", "admin"}


class StoreUnavailableError(ValueError):
    """The decision store cannot be opened; the message names the database."""


def _shown(url: str) -> str:
    """The database URL without its password, for messages."""
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if at else url


def issue_refusals(fix: FixLane, key: str, url: str) -> list[Refusal]:
    """Reasons to refuse a fix-lane change: the issue's latest stored decision is not a hotfix."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise StoreUnavailableError(
            f"no decision store at {url}: set HOTGATE_DATABASE_URL, or record decisions first"
        )
    engine = store.make_engine(url)
    try:
        if not inspect(engine).has_table("decisions"):
            raise StoreUnavailableError(f"{_shown(url)} holds no decisions table")
        with store.session_factory(engine)() as session:
            latest = store.latest_decisions(session, [key]).get(key)
            record = store.get_decision(session, latest.id) if latest is not None else None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreUnavailableError(
            f"cannot read the decision store {_shown(url)}: {reason}"
        ) from None
    finally:
        engine.dispose()
    if latest is None:
        return [Refusal(f"{key} has no stored decision; decide it first (hotgate assess/triage)")]
    verdict = latest.final_verdict or latest.verdict
    if verdict != "hotfix":
        return [Refusal(f"{key} was decided '{verdict}', not 'hotfix' (decision {latest.id})")]
    if latest.state in CLOSED_STATES:
        return [Refusal(f"{key}: its hotfix decision {latest.id} is {latest.state}")]
    assert record is not None
    if (
        rests_on_answers(record)
        and record.answered_role not in APPROVING_ROLES
        and latest.state not in APPROVED_STATES
    ):
        by = record.answered_by or "someone on the command line"
        role = f" ({record.answered_role})" if record.answered_role else ""
        return [
            Refusal(
                f"{key}: its hotfix decision {latest.id} rests on answers given by {by}{role}; "
                "an approver must approve it first"
            )
        ]
    if fix.require_approval and latest.state not in APPROVED_STATES:
        return [
            Refusal(
                f"{key}: its hotfix decision {latest.id} is {latest.state}; "
                "the policy needs it approved"
            )
        ]
    return []


def rests_on_answers(record: store.DecisionRecord) -> bool:
    """Whether a person's answer decided any criterion of a recorded decision."""
    criteria = record.evidence.get("criteria") or []
    return any(
        isinstance(c, dict) and (c.get("evidence") or {}).get("rule") == PERSON for c in criteria
    )
