"""GET /healthz and the stateless POST /api/v1/assess: a subject document in, a decision out."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from hotgate import service
from hotgate.api.batcher import Batcher
from hotgate.api.deps import Caller, context_of, policy_of, require
from hotgate.api.problems import ANY, answers
from hotgate.model import ChangeRequest, Decision, Issue
from hotgate.policy.deciding.calendar import CalendarError
from hotgate.policy.definition.schema import PolicyError
from hotgate.sources.base import Ignored, Skipped, SourceError
from hotgate.sources.reader import Item, read_bytes

router = APIRouter()
# The largest subject document the API reads; refused by Content-Length or while it streams in.
MAX_BODY = 2_000_000
DOCUMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "One bug in any format hotgate reads: a GitHub, Jira or Bugzilla issue object, "
            "or hotgate's own issue document (JSON or YAML)."
        ),
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


@router.get("/healthz", tags=["service"])
async def healthz() -> dict[str, str]:
    """Whether the server is up; answered on the event loop, never behind busy threads."""
    return {"status": "ok"}


async def body_items(request: Request, label: str = "request body") -> list[Item]:
    """Every record of a request's body, parsed in a worker thread so the server stays responsive.

    The body's size is bounded by the route's max_body_size before any of it is parsed.
    """
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    return await run_in_threadpool(read_body, body, content_type, label)


def read_body(body: bytes, content_type: str, label: str = "request body") -> list[Item]:
    """Every record of a request body (JSON, JSON Lines or YAML), read as hotgate reads files."""
    name = "request.yaml" if "yaml" in content_type else "request.json"
    try:
        return list(read_bytes(body, label, name))
    except SourceError as exc:
        raise HTTPException(422, str(exc)) from None
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"the {label} is not valid UTF-8 at byte {exc.start}") from None


def one_issue(items: list[Item]) -> Issue:
    """The single issue of a request, or a 422 saying what is wrong with it."""
    issues = [item for item in items if isinstance(item, Issue)]
    problems = [str(item) for item in items if isinstance(item, Skipped)]
    if problems:
        raise HTTPException(422, problems[0])
    if not issues:
        ignored = [item.reason for item in items if isinstance(item, Ignored)]
        raise HTTPException(422, f"no issue to assess{': ' + ignored[0] if ignored else ''}")
    if len(issues) > 1:
        raise HTTPException(422, f"the body holds {len(issues)} issues; send one")
    return issues[0]


@router.post(
    "/api/v1/assess",
    tags=["decisions"],
    openapi_extra=DOCUMENT_BODY,
    responses=answers(*ANY, 401, 403),
)
async def assess(
    request: Request,
    _caller: Annotated[Caller, Depends(require("viewer"))],
    as_of: Annotated[
        date | None, Query(description="Decide as of this day (default: today).")
    ] = None,
    next_release: Annotated[date | None, Query(description="The next release's date.")] = None,
) -> Decision:
    """Decide one bug or change request without recording it: the verdict, and why.

    Nothing is written. The risk of a hotfix counts the past hotfixes in the bug's component
    that were rolled back or followed by a regression, as the server's store held them at most
    a minute ago (one small query, reused so assessing stays quick).
    """
    items = await body_items(request)
    # a change request (kind: change) is a subject too; the content lane decides it
    change = items[0] if len(items) == 1 and isinstance(items[0], ChangeRequest) else None
    issue = one_issue(items) if change is None else None
    try:
        context = context_of(request, as_of, next_release)
    except CalendarError as exc:
        raise HTTPException(422, str(exc).replace("--", "")) from None
    if change is not None:
        try:
            return await run_in_threadpool(
                service.decide_change, change, policy_of(request), context
            )
        except PolicyError as exc:
            raise HTTPException(422, str(exc)) from None
    assert issue is not None
    batcher: Batcher = request.app.state.batcher
    return await batcher.decide(issue, context)
