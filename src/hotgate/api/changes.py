"""The change request form: a marketer asks for a site change and gets the answer at once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from pydantic import ValidationError

from hotgate.api.assess import body_items
from hotgate.api.deps import (
    Caller,
    SessionDep,
    context_of,
    policy_of,
    require,
)
from hotgate.api.problems import SIGNED, answers
from hotgate.api.records import audit_answers
from hotgate.model import CHANGE_KINDS, ChangeRequest, Decision
from hotgate.policy.changes.content_lane import lane_of
from hotgate.policy.definition.schema import Policy, PolicyError
from hotgate.services import changes, records
from hotgate.sources.base import Skipped

router = APIRouter()
# autoescape everywhere: every field of the form is typed by a person
templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True)
)
KIND_WORDS = {
    "text": "Text or wording",
    "image": "A picture or banner image",
    "stock": "A stock level",
    "shipping": "A shipping deadline or notice",
    "template": "Content from an approved template",
    "price": "A price",
    "layout": "Layout, colours or design",
    "script": "A script, tracking pixel or other code",
    "checkout": "Something in the checkout",
    "other": "Something else",
}
AREA_WORDS = {
    "homepage": "Homepage",
    "product-page": "Product pages",
    "category-page": "Category pages",
    "landing-page": "A landing page",
    "site-wide": "Every page (header, footer)",
    "checkout": "Checkout",
    "cart": "Cart",
    "payment": "Payment",
    "account": "Customer account pages",
    "sign-in": "Sign-in and registration",
}
ANSWER_WORDS = {
    "hotfix": "Yes — this can go live now, without waiting for the next release.",
    "wait": "This will go out with the next release, which comes before you need it.",
    "no-hotfix": "This has to go through the next regular release.",
    "needs-info": "We need a little more information before we can say.",
}
SHORT_WORDS = {
    "hotfix": "Can go live now",
    "wait": "With the next release",
    "no-hotfix": "Next regular release",
    "needs-info": "Needs more information",
}
CRITERION_WORDS = {
    "simple": "Is it a simple change?",
    "needed": "Is it needed soon?",
    "safe": "Is it safe to change now?",
}


def _caller(request: Request) -> Caller:
    """Who asks: anyone who may read may ask for a change (anonymous on loopback is a viewer)."""
    return require("viewer")(request)


def _signin(request: Request) -> RedirectResponse:
    return RedirectResponse("/signin?" + urlencode({"next": request.url.path}), status_code=303)


def _render(
    request: Request, name: str, caller: Caller | None, status: int = 200, **context: Any
) -> Response:
    policy = policy_of(request)
    base = {
        "caller": caller,
        "policy_name": policy.name,
        "policy_sha": policy.sha256[:12],
        "path": request.url.path,
        "kind_words": KIND_WORDS,
        "answer_words": ANSWER_WORDS,
        "short_words": SHORT_WORDS,
        "criterion_words": CRITERION_WORDS,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def _choices(policy: Policy) -> dict[str, Any]:
    lane = lane_of(policy)
    areas = list(dict.fromkeys([*lane.areas, *lane.protected_areas]))
    return {
        "kinds": [(kind, KIND_WORDS[kind]) for kind in CHANGE_KINDS],
        "areas": [
            (area, AREA_WORDS.get(area, area.replace("-", " ").capitalize())) for area in areas
        ],
        "templates": [(name, t.title) for name, t in lane.templates.items()],
    }


@router.get("/changes/new", response_class=HTMLResponse, include_in_schema=False)
def change_form(request: Request) -> Response:
    """The form for asking for a site change."""
    try:
        caller = _caller(request)
    except HTTPException as exc:
        if exc.status_code == 401:
            return _signin(request)
        raise
    try:
        choices = _choices(policy_of(request))
    except PolicyError as exc:
        return _render(request, "change_form.html", caller, status=503, error=str(exc), form={})
    name = caller.name if caller.role else ""
    return _render(request, "change_form.html", caller, form={"requested_by": name}, **choices)


def _request_from(form: dict[str, Any]) -> ChangeRequest:
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return ChangeRequest(
        id=f"web-{stamp}-{uuid.uuid4().hex[:6]}",
        title=form["title"],
        description=form["description"],
        changes=form["changes"] or None,
        areas=form["areas"] or None,
        template=form["template"] or None,
        needed_by=form["needed_by"] or None,
        reason=form["reason"] or None,
        requested_by=form["requested_by"],
    )


def _problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a check of the whole request names its field itself
        return message
    field = str(error["loc"][0])
    words = {
        "title": "What should change",
        "requested_by": "Your name or e-mail",
        "needed_by": "Must be live by",
    }
    return f"{words.get(field, field)}: {message}"


@router.post("/changes/new", response_class=HTMLResponse, include_in_schema=False)
def ask_for_change(
    request: Request,
    session: SessionDep,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    changes: Annotated[list[str] | None, Form()] = None,
    areas: Annotated[list[str] | None, Form()] = None,
    template: Annotated[str, Form()] = "",
    needed_by: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    requested_by: Annotated[str, Form()] = "",
) -> Response:
    """Decide a change request, keep it with who asked, and answer with the decision."""
    caller = _caller(request)
    who = caller.name if caller.role else requested_by.strip()
    form = {
        "title": title,
        "description": description,
        "changes": changes or [],
        "areas": areas or [],
        "template": template,
        "needed_by": needed_by,
        "reason": reason,
        "requested_by": who,
    }
    fragment = request.headers.get("hx-request") == "true"
    page = "_change_answer.html" if fragment else "change_form.html"
    choices = {} if fragment else _choices(policy_of(request))
    try:
        if not title.strip():
            raise ValueError("What should change: tell us in a few words what to change")
        if not who:
            raise ValueError("Your name or e-mail: tell us who is asking, so we can follow up")
        if needed_by:
            date.fromisoformat(needed_by)
        change = _request_from(form)
    except ValidationError as exc:
        return _render(request, page, caller, status=422, error=_problem(exc), form=form, **choices)
    except ValueError as exc:
        mine = str(exc).startswith(("Your", "What"))
        message = str(exc) if mine else "Must be live by: that is not a date"
        return _render(request, page, caller, status=422, error=message, form=form, **choices)
    decision = _decide_and_keep(request, session, change, caller)
    return _render(request, page, caller, decision=decision, change=change, form=form, **choices)


def _decide_and_keep(
    request: Request, session: Any, change: ChangeRequest, caller: Caller
) -> Decision:
    decision = changes.decide_and_keep(
        session, change, policy_of(request), context_of(request), caller.name, caller.role
    )
    if change.answers:
        audit_answers(session, caller, change.key, change.answers)
    session.commit()
    return decision


@router.get("/changes", response_class=HTMLResponse, include_in_schema=False)
def change_list(request: Request, session: SessionDep) -> Response:
    """The change requests asked so far, those that can go live now first."""
    try:
        caller = _caller(request)
    except HTTPException as exc:
        if exc.status_code == 401:
            return _signin(request)
        raise
    items, total = records.list_decisions(session, source="change", limit=100)
    asked = changes.get_change_requests(session, [item.subject_key for item in items])
    return _render(request, "change_list.html", caller, items=items, total=total, asked=asked)


@router.post(
    "/api/v1/changes",
    tags=["decisions"],
    status_code=201,
    responses=answers(*SIGNED, 503, on_503="The server's policy has no content lane"),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "One change request document (kind: change), as JSON or YAML.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def submit_change(request: Request, session: SessionDep) -> Decision:
    """Decide a change request and keep it with who asked (the token's name, if any).

    Anyone who may read may ask: a viewer, or anyone on an open loopback server, where an
    anonymous caller must say who asks (`requested_by`); the audit log keeps that name as
    stated, with the caller as anonymous.
    """
    caller = _caller(request)
    items = await body_items(request)
    problems = [str(item) for item in items if isinstance(item, Skipped)]
    if problems:
        raise HTTPException(422, problems[0])
    changes = [item for item in items if isinstance(item, ChangeRequest)]
    if len(changes) != 1 or len(items) != 1:
        raise HTTPException(422, "send exactly one change request (kind: change)")
    change = changes[0]
    if caller.role is not None:
        change = change.model_copy(update={"requested_by": caller.name})
    elif not change.requested_by:
        raise HTTPException(422, "requested_by: say who is asking")
    try:
        return await run_in_threadpool(_ask_again_or_anew, request, session, change, caller)
    except PolicyError as exc:
        raise HTTPException(503, str(exc)) from None


def _ask_again_or_anew(
    request: Request, session: Any, change: ChangeRequest, caller: Caller
) -> Decision:
    """Keep a change request; one already asked for by someone else is theirs (or an approver's)."""
    known = changes.get_change_request(session, change.key)
    theirs = known is not None and known.requested_by != change.requested_by
    if theirs and not caller.may("approver"):
        asked = known.requested_by if known is not None and known.requested_by else "someone else"
        raise HTTPException(
            403,
            f"{change.key} was asked for by {asked}; "
            "only they or an approver may send it again (use another id)",
        )
    return _decide_and_keep(request, session, change, caller)
