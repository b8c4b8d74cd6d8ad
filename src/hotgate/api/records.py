"""The REST API of the store: issues, decisions, reviews, the audit log and tokens."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi import Path as FastPath
from pydantic import BaseModel, Field

from hotgate import service, store
from hotgate.api.assess import DOCUMENT_BODY, read_body
from hotgate.api.deps import Caller, SessionDep, context_of, policy_of, require
from hotgate.model import Issue, Verdict
from hotgate.sources.base import Skipped
from hotgate.store.records import (
    Action,
    AuditEntry,
    Counts,
    DecisionRecord,
    DecisionSummary,
    Role,
    State,
    TokenRecord,
    now,
)

router = APIRouter(prefix="/api/v1")
T = TypeVar("T")
MAX_ISSUES = 1_000
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
        le=store.MAX_EXPIRY_DAYS,
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
    source: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Issue]:
    """The stored issues, most recently updated first."""
    items, total = store.list_issues(session, source=source, limit=limit, offset=offset)
    return Page[Issue](items=items, total=total, limit=limit, offset=offset)


@router.post("/issues", tags=["issues"], status_code=201, openapi_extra=DOCUMENT_BODY)
async def post_issues(
    request: Request, session: SessionDep, caller: Annotated[Caller, Depends(require("requester"))]
) -> StoredIssues:
    """Store issues (one or a page, any format hotgate reads) and record a decision for each.

    The risk of each hotfix counts the past hotfixes in the bug's component that were rolled
    back or followed by a regression, as the store holds them now.
    """
    items = read_body(await request.body(), request.headers.get("content-type", ""))
    issues = [item for item in items if isinstance(item, Issue)]
    skipped = [str(item) for item in items if isinstance(item, Skipped)]
    if not issues:
        raise HTTPException(422, skipped[0] if skipped else "no issue in the request body")
    if len(issues) > MAX_ISSUES:
        raise HTTPException(413, f"send at most {MAX_ISSUES} issues at a time")
    trouble = store.troubled_hotfixes_by_component(session)
    decisions = service.decide_issues(issues, policy_of(request), context_of(request), trouble)
    counts = store.upsert_issues(session, issues)
    store.record_decisions(session, decisions)
    store.audit(
        session,
        caller.name,
        "issues.store",
        "issues",
        {"keys": [i.key for i in issues][:50], "count": len(issues)},
    )
    keys = list(dict.fromkeys(issue.key for issue in issues))
    latest = store.latest_decisions(session, keys)
    summaries = [latest[key] for key in keys]  # in the order the body gave them
    session.commit()
    return StoredIssues(issues=counts, decisions=summaries, skipped=skipped)


@router.get("/decisions", tags=["decisions"])
def list_decisions(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    verdict: Verdict | None = None,
    state: State | None = None,
    source: str | None = None,
    key: str | None = None,
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
    items, total = store.list_decisions(
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
    responses={404: {"description": "No such decision"}},
)
def get_decision(
    decision_id: DecisionId,
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
) -> DecisionRecord:
    """One decision with its evidence and its reviews."""
    record = store.get_decision(session, decision_id)
    if record is None:
        raise HTTPException(404, f"no decision {decision_id}")
    return record


@router.post(
    "/decisions/{decision_id}/review",
    tags=["decisions"],
    responses={
        404: {"description": "No such decision"},
        409: {"description": "Changed meanwhile, or not allowed in its state"},
    },
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
        record = store.review(
            session,
            decision_id,
            body.action,
            caller.name,
            reason=body.reason,
            verdict=body.verdict,
            expected_version=body.version,
        )
        session.commit()
    except store.DecisionNotFoundError as exc:
        session.rollback()
        raise HTTPException(404, str(exc)) from None
    except store.ReviewConflictError as exc:
        session.rollback()
        raise HTTPException(409, str(exc)) from None
    except store.ReviewInvalidError as exc:
        session.rollback()
        raise HTTPException(422, str(exc)) from None
    return record


@router.get("/audit", tags=["audit"])
def audit_log(
    session: SessionDep,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    target: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AuditEntry]:
    """The audit log, newest first."""
    items, total = store.audit_entries(session, target=target, limit=limit, offset=offset)
    return Page[AuditEntry](items=items, total=total, limit=limit, offset=offset)


@router.get("/tokens", tags=["tokens"])
def list_tokens(
    session: SessionDep, _caller: Annotated[Caller, Depends(require("admin"))]
) -> list[TokenRecord]:
    """Every API token (never its secret), with when it was last used and when it expires."""
    return store.list_tokens(session)


@router.post("/tokens", tags=["tokens"], status_code=201)
def create_token(
    body: TokenIn, session: SessionDep, caller: Annotated[Caller, Depends(require("admin"))]
) -> NewToken:
    """Make a token; its secret is in this answer only."""
    at = now()
    days = body.expires_in_days
    expires_at = None if days is None else store.expiry_after(days, at)
    record, secret = store.create_token(
        session, body.name, body.role, actor=caller.name, expires_at=expires_at, at=at
    )
    session.commit()
    return NewToken(token=record, secret=secret)


@router.delete(
    "/tokens/{token_id}",
    tags=["tokens"],
    status_code=204,
    responses={404: {"description": "No live token"}},
)
def revoke_token(
    token_id: TokenId, session: SessionDep, caller: Annotated[Caller, Depends(require("admin"))]
) -> Response:
    """Revoke a token."""
    if not store.revoke_token(session, token_id, actor=caller.name):
        raise HTTPException(404, f"no live token {token_id}")
    session.commit()
    return Response(status_code=204)
