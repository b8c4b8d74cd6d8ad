"""Webhooks from GitHub, GitLab and Jira: verified, then the issue is stored and assessed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlparse

import orjson
from dateutil import parser as dateutil_parser
from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, SecretStr
from sqlalchemy.exc import IntegrityError

from hotgate.api.deps import SessionDep, context_of, policy_of, settings_of
from hotgate.api.problems import ANY, answers
from hotgate.model import Issue
from hotgate.services import records
from hotgate.sources.base import (
    Ignored,
    Origin,
    SourceError,
    format_named,
    names,
    parse_time,
)

# Deliveries may be larger than other bodies (a Jira issue with its comments); the app's
# BodyLimit refuses more, by Content-Length or as soon as the bytes received pass it.
MAX_BODY = 5_000_000
router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
RESPONSES: dict[int | str, dict[str, Any]] = answers(
    *ANY,
    403,
    404,
    409,
    on_403="Missing or wrong signature",
    on_404="This webhook is not enabled on the server",
    on_409="This delivery (its id, or its signed body) was already received",
)


class Delivery(BaseModel):
    """What a webhook delivery did: the issue it stored and the decision it recorded."""

    status: str
    issue: str | None = None
    decision: int | None = None
    verdict: str | None = None
    reason: str | None = None


def _secret(value: SecretStr | None, setting: str, tracker: str) -> bytes:
    if value is None or not value.get_secret_value():
        raise HTTPException(
            404, f"the {tracker} webhook is off: set HOTGATE_{setting} to enable it"
        )
    return value.get_secret_value().encode()


def _check_hmac(secret: bytes, body: bytes, signature: str | None, header: str) -> None:
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise HTTPException(403, f"the {header} signature is missing or does not match")


def _json(body: bytes) -> Mapping[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HTTPException(422, f"the delivery is not valid JSON: {exc}") from None
    if not isinstance(payload, Mapping):
        raise HTTPException(422, "the delivery is not a JSON object")
    return payload


@dataclass(frozen=True)
class Received:
    """A verified delivery: which tracker sent it, its delivery id, and its signed body."""

    tracker: str
    delivery_id: str | None
    body: bytes


def _record(
    request: Request, session: SessionDep, issue: Issue | Ignored, received: Received
) -> Delivery:
    if isinstance(issue, Ignored):
        return Delivery(status="ignored", issue=issue.where, reason=issue.reason)
    actor = f"webhook:{received.tracker}"
    try:
        records.note_delivery(
            session, received.tracker, received.delivery_id, received.body, issue.key
        )
        _, latest = records.decide_and_record(
            session, [issue], policy_of(request), context_of(request), answered_by=actor
        )
        record = latest[issue.key]
        records.audit(
            session,
            actor,
            "webhook.delivery",
            f"issue:{issue.key}",
            {"decision": record.id, "verdict": record.verdict, "delivery": received.delivery_id},
        )
        session.commit()
    except records.DeliveryReplayError as exc:
        session.rollback()
        raise HTTPException(409, str(exc)) from None
    except IntegrityError:  # the same delivery, recorded by a request running at the same time
        session.rollback()
        message = records.replay_message(received.tracker, received.delivery_id, None)
        raise HTTPException(409, message) from None
    return Delivery(status="recorded", issue=issue.key, decision=record.id, verdict=record.verdict)


def _read(kind: str, record: Any, origin: Origin) -> Issue | Ignored:
    if not isinstance(record, Mapping):
        raise HTTPException(422, f"the delivery carries no {kind} issue object")
    try:
        return format_named(kind).to_issue(record, origin)
    except (SourceError, KeyError, TypeError, ValueError) as exc:
        problem = str(exc).removeprefix("record: ")
        raise HTTPException(422, f"the {kind} issue cannot be read: {problem}") from None


@router.post("/github", responses=RESPONSES, status_code=202)
async def github(
    request: Request,
    session: SessionDep,
    x_hub_signature_256: Annotated[str | None, Header()] = None,
    x_github_event: Annotated[str | None, Header()] = None,
    x_github_delivery: Annotated[str | None, Header(max_length=200)] = None,
) -> Delivery:
    """A GitHub `issues` event, signed with X-Hub-Signature-256 (HMAC-SHA256 of the body).

    A delivery is recorded once: the same X-GitHub-Delivery id, or the same signed body,
    again gets 409.
    """
    secret = _secret(settings_of(request).github_webhook_secret, "GITHUB_WEBHOOK_SECRET", "GitHub")
    body = await request.body()
    _check_hmac(secret, body, x_hub_signature_256, "X-Hub-Signature-256")
    payload = _json(body)
    if x_github_event not in {"issues", "issue_comment"}:
        return Delivery(status="ignored", reason=f"event {x_github_event!r} is not about issues")
    repository = payload.get("repository")
    project = repository.get("full_name") if isinstance(repository, Mapping) else None
    issue = _read("github", github_record(payload), Origin(host="github.com", project=project))
    received = Received("github", x_github_delivery, body)
    return await run_in_threadpool(_record, request, session, issue, received)


@router.post("/gitlab", responses=RESPONSES, status_code=202)
async def gitlab(
    request: Request,
    session: SessionDep,
    x_gitlab_token: Annotated[str | None, Header()] = None,
    x_gitlab_event: Annotated[str | None, Header()] = None,
    x_gitlab_event_uuid: Annotated[str | None, Header(max_length=200)] = None,
) -> Delivery:
    """A GitLab `Issue Hook` event, carrying the shared secret in X-Gitlab-Token.

    A delivery is recorded once: the same X-Gitlab-Event-UUID, or the same body, again gets 409.
    """
    secret = _secret(settings_of(request).gitlab_webhook_token, "GITLAB_WEBHOOK_TOKEN", "GitLab")
    if not x_gitlab_token or not hmac.compare_digest(secret, x_gitlab_token.encode()):
        raise HTTPException(403, "the X-Gitlab-Token shared secret is missing or does not match")
    body = await request.body()
    payload = _json(body)
    if x_gitlab_event == "Note Hook" and isinstance(payload.get("issue"), Mapping):
        # A note on an issue: the issue as the hook sends it, with the note and its author.
        payload = gitlab_note(payload)
    elif x_gitlab_event != "Issue Hook" or payload.get("object_kind") != "issue":
        return Delivery(status="ignored", reason=f"event {x_gitlab_event!r} is not about issues")
    received = Received("gitlab", x_gitlab_event_uuid, body)
    return await run_in_threadpool(_record, request, session, gitlab_issue(payload), received)


def gitlab_note(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Note Hook payload reshaped as an Issue Hook one whose issue carries the note."""
    note = payload.get("object_attributes")
    user = payload.get("user")
    issue = dict(payload["issue"])
    if isinstance(note, Mapping) and note.get("noteable_type") in (None, "Issue"):
        # The hook names the note's author beside it, as `user`.
        author = {"username": user.get("username")} if isinstance(user, Mapping) else None
        issue["notes_data"] = [{**note, "author": author, "system": note.get("system", False)}]
        # The hook names the issue's author and assignees by id; match them to the note's.
        user_id = user.get("id") if isinstance(user, Mapping) else None
        if user_id is not None and user_id == issue.get("author_id"):
            issue["author"] = author
        if user_id is not None and user_id in (issue.get("assignee_ids") or []):
            issue["assignees"] = [author]
    return {**payload, "object_attributes": issue}


def github_record(payload: Mapping[str, Any]) -> Any:
    """The issue of an `issues` or `issue_comment` delivery, the comment (with its author's
    association: OWNER, MEMBER …) read as one of its comments."""
    record = payload.get("issue")
    comment = payload.get("comment")
    if isinstance(record, Mapping) and isinstance(comment, Mapping):
        return {**record, "comments_data": [comment]}
    return record


def gitlab_issue(payload: Mapping[str, Any]) -> Issue | Ignored:
    """The issue of a GitLab Issue Hook payload, read as hotgate reads GitLab's REST issues."""
    attributes = payload.get("object_attributes")
    project = payload.get("project")
    if not isinstance(attributes, Mapping) or not isinstance(project, Mapping):
        raise HTTPException(422, "the GitLab delivery has no object_attributes or project")
    # The hook sends the REST issue's fields under other names, its times in another form,
    # and the labels beside the attributes.
    times = {
        name: moment.isoformat()
        for name in ("created_at", "updated_at")
        if (moment := gitlab_time(attributes.get(name))) is not None
    }
    record = {
        **attributes,
        **times,
        "web_url": attributes.get("url"),
        "project_id": attributes.get("project_id", project.get("id")),
        "labels": names(payload.get("labels") or attributes.get("labels"), "title"),
    }
    if isinstance(attributes.get("notes_data"), list):  # a Note Hook's note: its time in ISO
        record["notes_data"] = [
            {**n, "created_at": _iso(n.get("created_at"))}
            for n in attributes["notes_data"]
            if isinstance(n, Mapping)
        ]
    origin = Origin(
        host=urlparse(str(attributes.get("url") or "")).hostname,
        project=project.get("path_with_namespace"),
    )
    return _read("gitlab", record, origin)


def _iso(value: Any) -> str | None:
    moment = gitlab_time(value)
    return moment.isoformat() if moment is not None else None


def gitlab_time(value: Any) -> datetime | None:
    """A time as GitLab webhooks send it ("2026-10-30 10:00:00 UTC") or in ISO form."""
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        try:
            return dateutil_parser.parse(str(value))
        except (ValueError, OverflowError):
            raise HTTPException(
                422, f"the GitLab delivery has a time hotgate cannot read: {value!r}"
            ) from None


@router.post("/jira", responses=RESPONSES, status_code=202)
async def jira(
    request: Request,
    session: SessionDep,
    x_hub_signature: Annotated[str | None, Header()] = None,
    x_atlassian_webhook_identifier: Annotated[str | None, Header(max_length=200)] = None,
) -> Delivery:
    """A Jira issue event, signed with X-Hub-Signature (HMAC-SHA256 of the body).

    A delivery is recorded once: the same X-Atlassian-Webhook-Identifier, or the same signed
    body, again gets 409.
    """
    secret = _secret(settings_of(request).jira_webhook_secret, "JIRA_WEBHOOK_SECRET", "Jira")
    body = await request.body()
    _check_hmac(secret, body, x_hub_signature, "X-Hub-Signature")
    payload = _json(body)
    event = str(payload.get("webhookEvent") or "")
    if not event.startswith("jira:issue_") or event == "jira:issue_deleted":
        return Delivery(status="ignored", reason=f"event {event!r} is not a new or changed issue")
    issue = _read("jira", payload.get("issue"), Origin())
    received = Received("jira", x_atlassian_webhook_identifier, body)
    return await run_in_threadpool(_record, request, session, issue, received)
