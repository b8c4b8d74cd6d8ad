"""The REST API of the store: issues, decisions, reviews, the audit log and tokens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as FastPath
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hotgate.api.assess import DOCUMENT_BODY, body_items
from hotgate.api.deps import Caller, SessionDep, context_of, policy_of, require
from hotgate.api.problems import SIGNED, answers
from hotgate.model import Issue, Verdict
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.services import records, reviews, tokens
from hotgate.sources.base import Skipped

# the record shapes the store returns: plain data, no database access
from hotgate.store.records import (
    Action,
    AuditEntry,
    Counts,
    DecisionRecord,
    DecisionSummary,
    Role,
    State,
    TokenRecord,
)

router = APIRouter(prefix="/api/v1", responses=answers(*SIGNED))
T = TypeVar("T")
MAX_ISSUES = 1_000
# Keys that name a tracker (github:OWNER/REPO#N, …) or a change request are written by the
# webhooks, `hotgate sync` and the change form; through POST /issues they need an approver.
TRACKER_KEYS = ("github:", "gitlab:", "jira:", "bugzilla:", "change:")
# Free text in a query: no NUL (PostgreSQL refuses it), and no longer than a key.
QueryText = Annotated[str | None, Query(max_length=300, pattern=r"^[^\x00]*$")]
# ids are 64-bit in the database; a bigger number is simply not an id
DecisionId = Annotated[int, FastPath(ge=1, le=2**63 - 1, description="The decision's id.")]
TokenId = Annotated[int, FastPath(ge=1, le=2**31 - 1, description="The token's id.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


class StoredIssues(BaseModel):
    """What POST /issues stored and decided."""

    issues: Counts
    decisions: list[DecisionSummary]
    skipped: list[str]


class ReviewIn(BaseModel):
    """A review step; send back the decision's version to be sure nobody reviewed it meanwhile."""

    action: Action
    reason: str | None = Field(default=None, max_length=5_000)
    verdict: Verdict | None = Field(default=None, description="The new verdict of an override.")
    version: int | None = Field(default=None, ge=1)


class TokenIn(BaseModel):
    """A token to make."""

    # no control characters: PostgreSQL refuses NUL in text, and a name is shown on one line
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    role: Role
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=tokens.MAX_EXPIRY_DAYS,
        description="Days until the token stops working; leave it out and it never expires.",
    )


class NewToken(BaseModel):
    """A token just made: the secret is shown this once."""

    token: TokenRecord
    secret: str


@router.get("/issues", tags=["issues"])
def list_issues(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    source: QueryText = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Issue]:
    """The stored issues, most recently updated first."""
    items, total = records.list_issues(session, source=source, limit=limit, offset=offset)
    return Page[Issue](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/issues",
    tags=["issues"],
    status_code=201,
    openapi_extra=DOCUMENT_BODY,
)
async def post_issues(
    request: Request, session: SessionDep, caller: Annotated[Caller, Depends(require("requester"))]
) -> StoredIssues:
    """Store issues (one or a page, any format hotgate reads) and record a decision for each.

    A requester stores issues under keys of their own (`ops:INC-7`); a tracker's key
    (`github:`, `gitlab:`, `jira:`, `bugzilla:`) or a change's needs the approver role. A
    person's answers in the documents are kept with the caller's name and role, and audited.
    The risk of each hotfix counts the past hotfixes in the bug's component that were rolled
    back or followed by a regression, as the store holds them now.
    """
    items = await body_items(request)
    issues = [item for item in items if isinstance(item, Issue)]
    skipped = [str(item) for item in items if isinstance(item, Skipped)]
    if not issues:
        raise HTTPException(422, skipped[0] if skipped else "no issue in the request body")
    if len(issues) > MAX_ISSUES:
        raise HTTPException(413, f"send at most {MAX_ISSUES} issues at a time")
    tracker_key = next((i.key for i in issues if i.key.startswith(TRACKER_KEYS)), None)
    if tracker_key is not None and not caller.may("approver"):
        raise HTTPException(
            403,
            f"writing under a tracker's key ({tracker_key[:80]}) needs the approver role; "
            f"a {caller.role} stores issues under keys of their own, such as ops:INC-7",
        )
    context = context_of(request)
    return await run_in_threadpool(
        _store_issues, session, issues, skipped, caller, policy_of(request), context
    )


def _store_issues(
    session: Session,
    issues: list[Issue],
    skipped: list[str],
    caller: Caller,
    policy: Policy,
    context: Context,
) -> StoredIssues:
    """Decide, store and record the issues in one transaction (in a worker thread)."""
    counts, latest = records.decide_and_record(
        session, issues, policy, context, answered_by=caller.name, answered_role=caller.role
    )
    records.audit(
        session,
        caller.name,
        "issues.store",
        "issues",
        {"keys": [i.key for i in issues][:50], "count": len(issues)},
    )
    for issue in issues:
        if issue.answers:
            audit_answers(session, caller, f"issue:{issue.key}", issue.answers)
    summaries = list(latest.values())  # in the order the body gave them
    session.commit()
    return StoredIssues(issues=counts, decisions=summaries, skipped=skipped)


def audit_answers(session: Session, caller: Caller, target: str, given: Mapping[str, str]) -> None:
    """Keep in the audit log who gave a subject's answers, with their role, and what they were."""
    records.audit(
        session, caller.name, "answers.given", target, {"answers": dict(given), "role": caller.role}
    )


@router.get("/decisions", tags=["decisions"])
def list_decisions(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    verdict: Verdict | None = None,
    state: State | None = None,
    source: QueryText = None,
    key: QueryText = None,
    changed: Annotated[
        bool | None, Query(description="Only verdicts that changed (or not).")
    ] = None,
    every_assessment: Annotated[
        bool, Query(description="Older assessments too, not only the latest.")
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DecisionSummary]:
    """Decisions, hotfixes first then by cost of waiting; the latest assessment of each subject."""
    items, total = records.list_decisions(
        session,
        verdict=verdict,
        state=state,
        source=source,
        key=key,
        changed=changed,
        latest_only=not every_assessment,
        limit=limit,
        offset=offset,
    )
    return Page[DecisionSummary](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/decisions/{decision_id}",
    tags=["decisions"],
    responses=answers(404),
)
def get_decision(
    decision_id: DecisionId,
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
) -> DecisionRecord:
    """One decision with its evidence and its reviews."""
    record = records.get_decision(session, decision_id)
    if record is None:
        raise HTTPException(404, f"no decision {decision_id}")
    return record


@router.post(
    "/decisions/{decision_id}/review",
    tags=["decisions"],
    responses=answers(404, 409),
)
def review(
    decision_id: DecisionId,
    body: ReviewIn,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require("approver"))],
) -> DecisionRecord:
    """Approve, reject or override a decision; mark it deployed, verified, regressed, rolled back.

    `regressed` (from deployed or verified) says a regression followed the shipped hotfix; like
    `rolled-back`, it raises the risk of later hotfixes in the same component.
    """
    return apply_review(session, decision_id, body, caller)


def apply_review(
    session: SessionDep, decision_id: int, body: ReviewIn, caller: Caller
) -> DecisionRecord:
    """Apply a review and commit it, turning the store's refusals into HTTP answers."""
    try:
        record = reviews.review(
            session,
            decision_id,
            body.action,
            caller.name,
            reason=body.reason,
            verdict=body.verdict,
            expected_version=body.version,
        )
        session.commit()
    except reviews.DecisionNotFoundError as exc:
        session.rollback()
        raise HTTPException(404, str(exc)) from None
    except reviews.ReviewConflictError as exc:
        session.rollback()
        raise HTTPException(409, str(exc)) from None
    except reviews.ReviewInvalidError as exc:
        session.rollback()
        raise HTTPException(422, str(exc)) from None
    return record


@router.get("/audit", tags=["audit"])
def audit_log(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    target: QueryText = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AuditEntry]:
    """The audit log, newest first."""
    items, total = records.audit_entries(session, target=target, limit=limit, offset=offset)
    return Page[AuditEntry](items=items, total=total, limit=limit, offset=offset)


@router.get("/tokens", tags=["tokens"])
def list_tokens(
    session: SessionDep, _caller: Annotated[Caller, Depends(require("admin"))]
) -> list[TokenRecord]:
    """Every API token (never its secret), with when it was last used and when it expires."""
    return tokens.list_all(session)


@router.post("/tokens", tags=["tokens"], status_code=201)
def create_token(
    body: TokenIn, session: SessionDep, caller: Annotated[Caller, Depends(require("admin"))]
) -> NewToken:
    """Make a token; its secret is in this answer only."""
    record, secret = tokens.create(
        session, body.name, body.role, actor=caller.name, expires_in_days=body.expires_in_days
    )
    session.commit()
    return NewToken(token=record, secret=secret)


@router.delete(
    "/tokens/{token_id}",
    tags=["tokens"],
    status_code=204,
    responses=answers(404),
)
def revoke_token(
    token_id: TokenId, session: SessionDep, caller: Annotated[Caller, Depends(require("admin"))]
) -> Response:
    """Revoke a token."""
    if not tokens.revoke(session, token_id, actor=caller.name):
        raise HTTPException(404, f"no live token {token_id}")
    session.commit()
    return Response(status_code=204)
