"""The web pages: triage queue, decision page with review actions, audit view, dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError

from hotgate.api.deps import (
    COOKIE,
    Caller,
    SessionDep,
    caller_of,
    expired_message,
    policy_of,
    require,
    settings_of,
)
from hotgate.api.records import DecisionId, ReviewIn, apply_review
from hotgate.model import VERDICTS
from hotgate.policy.definition.schema import Policy
from hotgate.services import records, reviews, tokens

# the dashboard counts in SQL, so a page view does not load every decision (speed)
from hotgate.store import reports

# the record shapes and the clock the store stamps them with: plain data, no database access
from hotgate.store.records import STATES, DecisionRecord, now

router = APIRouter(include_in_schema=False)
# autoescape everywhere: every title, label and excerpt comes from a tracker
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)
# The panel offers exactly the steps the store's review workflow allows from a state.
templates.env.globals["next_actions"] = reviews.next_actions
PAGE_SIZE = 50
VERDICT_WORDS = {
    "hotfix": "Hotfix now",
    "wait": "Wait for the release",
    "no-hotfix": "No hotfix",
    "needs-info": "Needs information",
}


def _caller(request: Request) -> Caller | None:
    """The caller allowed to read pages, or None when they must sign in first."""
    try:
        return require("viewer")(request)
    except HTTPException as exc:
        if exc.status_code == 401:
            return None
        raise


def _signin(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/signin?" + urlencode({"next": target}), status_code=303)


def _render(
    request: Request, name: str, caller: Caller | None, status: int = 200, **context: Any
) -> Response:
    policy = policy_of(request)
    base = {
        "caller": caller,
        "policy_name": policy.name,
        "policy_sha": policy.sha256[:12],
        "verdict_words": VERDICT_WORDS,
        "verdicts": VERDICTS,
        "states": STATES,
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    verdict: str | None = None,
    state: str | None = None,
    source: str | None = None,
    changed: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The triage queue: latest decisions, hotfixes first, filtered by verdict, state and source."""
    caller = _caller(request)
    if caller is None:
        return _signin(request)
    verdict = verdict if verdict in VERDICTS else None
    state = state if state in STATES else None
    only_changed = True if changed == "yes" else None
    items, total = records.list_decisions(
        session,
        verdict=verdict,
        state=state,
        source=source or None,
        changed=only_changed,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    answers = records.answers_for(session, [item.id for item in items])
    filters = {
        "verdict": verdict or "",
        "state": state or "",
        "source": source or "",
        "changed": changed or "",
    }
    context: dict[str, Any] = {
        "items": items,
        "answers": answers,
        "total": total,
        "page": page,
        "filters": filters,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "offset": (page - 1) * PAGE_SIZE,
        "query": lambda **changes: urlencode(
            {k: v for k, v in {**filters, **changes}.items() if v}
        ),
    }
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "queue":
        return _render(request, "_queue_table.html", caller, **context)
    # the tiles and the source filter are only on the whole page, not on a filtered table
    counts, sources = reports.counts_by(session, "verdict"), reports.sources(session)
    return _render(request, "queue.html", caller, counts=counts, sources=sources, **context)


@router.get("/decisions/{decision_id}", response_class=HTMLResponse)
def decision_page(decision_id: DecisionId, request: Request, session: SessionDep) -> Response:
    """One decision: verdict, reasons, the criteria checklist with evidence, questions, reviews."""
    caller = _caller(request)
    if caller is None:
        return _signin(request)
    record = records.get_decision(session, decision_id)
    if record is None:
        return _render(request, "missing.html", caller, status=404, what=f"decision {decision_id}")
    earlier = records.history(session, record.subject_key)
    doc = _with_policy_text(record.evidence, policy_of(request))
    return _render(request, "decision.html", caller, d=record, doc=doc, history=earlier)


def _with_policy_text(doc: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """A compact checklist (from a bulk run of an earlier release) with each criterion's title
    and questions."""
    if not doc.get("compact"):
        return doc
    criteria = []
    for item in doc.get("criteria", []):
        spec = policy.criteria.get(item.get("name", ""))
        text = {"title": spec.title, "questions": spec.questions} if spec else {}
        criteria.append({"title": item.get("name"), "questions": [], **text, **item})
    return {**doc, "criteria": criteria}


@router.post("/decisions/{decision_id}/review", response_class=HTMLResponse)
def review_from_page(
    decision_id: DecisionId,
    request: Request,
    session: SessionDep,
    action: Annotated[str, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
) -> Response:
    """A review made on the decision page; answers with the refreshed review panel."""
    error: str | None = None
    status = 200
    try:
        caller = require("approver")(request)
        body = ReviewIn.model_validate(
            {
                "action": action,
                "version": version,
                "reason": reason or None,
                "verdict": verdict or None,
            }
        )
        record: DecisionRecord | None = apply_review(session, decision_id, body, caller)
    except HTTPException as exc:
        error, status = str(exc.detail), exc.status_code
        caller = _who(request)
        record = records.get_decision(session, decision_id)  # refused: show it as it stands
    except ValidationError as exc:  # an action or verdict the form does not offer
        error, status = f"that review is not valid: {exc.errors()[0]['msg']}", 422
        caller = _who(request)
        record = records.get_decision(session, decision_id)
    if record is None:
        return _render(request, "missing.html", caller, status=404, what=f"decision {decision_id}")
    return _render(
        request, "_review_panel.html", caller, status=status, d=record, error=error, oob=True
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: SessionDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> Response:
    """The audit log: who changed what, when and why."""
    caller = _caller(request)
    if caller is None:
        return _signin(request)
    entries, total = records.audit_entries(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return _render(
        request,
        "audit.html",
        caller,
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep) -> Response:
    """Decisions by verdict over time, hotfixes per release, and what awaits review."""
    caller = _caller(request)
    if caller is None:
        return _signin(request)
    states = reports.counts_by(session, "state")
    charts = {
        "by_day": [
            {"day": row["day"].isoformat(), "verdict": row["verdict"], "count": row["count"]}
            for row in reports.verdicts_by_day(session)
        ],
        "per_release": reports.hotfixes_per_release(session),
        "states": states,
    }
    return _render(
        request,
        "dashboard.html",
        caller,
        charts=charts,
        counts=reports.counts_by(session, "verdict"),
        states=states,
        troubled=reports.troubled(session),
        overrides=reviews.overrides_by_criterion(session),
    )


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/") -> Response:
    """The sign-in form: paste a token made with `hotgate token create`."""
    return _render(
        request, "signin.html", _optional_caller(request), target=_safe(next), error=None
    )


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check a token and keep it in an HttpOnly cookie for the pages."""
    record = tokens.find(session, token.strip())
    if record is None or record.expired(now()):
        error = (
            "That token is unknown or revoked. Make one with: hotgate token create --role approver"
            if record is None
            else "T" + expired_message(record)[1:]
        )
        return _render(request, "signin.html", None, status=401, target=_safe(next), error=error)
    response = RedirectResponse(_safe(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=settings_of(request).secure_cookies,
        max_age=12 * 3600,
    )
    return response


@router.post("/signout")
def signout() -> Response:
    """Forget the sign-in cookie."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _who(request: Request) -> Caller:
    """Whoever is calling, to show the page as they may see it."""
    try:
        return caller_of(request)
    except HTTPException:
        return Caller("anonymous", None)


def _optional_caller(request: Request) -> Caller | None:
    try:
        return _caller(request)
    except HTTPException:
        return None


def _safe(target: str) -> str:
    """Only a path on this site: never an open redirect."""
    return (
        target
        if target.startswith("/") and not target.startswith("//") and "\\" not in target
        else "/"
    )
