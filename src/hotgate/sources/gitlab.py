"""GitLab REST issues (API v4): single objects, list pages and JSON Lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from hotgate.model import Comment, Issue
from hotgate.sources.base import (
    Format,
    Ignored,
    Origin,
    SourceError,
    comment_role,
    count_of,
    list_of,
    login_of,
    make_issue,
    names,
    number_of,
    optional_text,
    plain_text,
    summary_of,
    time_of,
)

# https://gitlab.com/GROUP/SUB/PROJECT/-/issues/12 (newer) or .../PROJECT/issues/12 (older).
_WEB_URL = re.compile(r"^https?://[^/]+/(.+?)(?:/-)?/(?:issues|work_items)/(\d+)")
# GitLab incidents carry their own severity; UNKNOWN means nobody set it.
_UNSET_SEVERITY = {"", "unknown"}


def project_path(record: Mapping[str, Any], origin: Origin) -> str:
    """GROUP/PROJECT of an issue, from its web URL, its reference or the origin."""
    match = _WEB_URL.match(str(record.get("web_url") or ""))
    if match:
        return match.group(1)
    references = record.get("references")
    if isinstance(references, Mapping) and "#" in str(references.get("full") or ""):
        return str(references["full"]).rsplit("#", 1)[0]
    return origin.project or f"project-{record.get('project_id', 'unknown')}"


class GitLabFormat(Format):
    """An issue object as the GitLab REST API (v4) sends it."""

    name = "gitlab"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """GitLab issues have a project-scoped iid and a project_id."""
        return "iid" in record and "project_id" in record and "title" in record

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read labels, upvotes, notes with their authors, milestone and incident severity."""
        project = project_path(record, origin)
        key = f"gitlab:{project}#{number_of(record.get('iid'), 'iid')}"
        if record.get("type") == "MERGE_REQUEST" or "merge_status" in record:
            return Ignored(where=key, reason="a merge request, not an issue")
        # `notes_data` as hotgate's connector embeds them; `notes` as a project export does.
        field, value = _first_given(record, "notes_data", "notes")
        notes = list_of(value, field)
        emoji = list_of(record.get("award_emoji_data"), "award_emoji_data")
        severity = plain_text(record.get("severity"), "severity").strip()
        milestone = record.get("milestone")
        host = urlparse(str(record.get("web_url") or "")).hostname
        issue_type = optional_text(record.get("issue_type") or record.get("type"), "issue_type")
        return make_issue(
            f"record {key}",
            key=key,
            source="gitlab",
            title=summary_of(record.get("title")),
            body=plain_text(record.get("description"), "description"),
            comments=gitlab_notes(notes, record),
            # strings, or objects when asked for `with_labels_details`
            labels=names(record.get("labels")),
            type=issue_type.lower() if issue_type else None,
            severity_raw=None if severity.lower() in _UNSET_SEVERITY else severity,
            status=optional_text(record.get("state"), "state"),
            product=project.rsplit("/", 1)[-1] if host or origin.project else None,
            versions=[str(milestone["title"])]
            if isinstance(milestone, Mapping) and milestone.get("title")
            else [],
            created=time_of(record.get("created_at"), "created_at"),
            updated=time_of(record.get("updated_at"), "updated_at"),
            votes=count_of(record.get("upvotes"), "upvotes"),
            # Upvotes are the thumbs-up emoji; count the other award emoji as reactions.
            reactions=sum(
                1 for e in emoji if isinstance(e, Mapping) and e.get("name") != "thumbsup"
            ),
            comment_count=count_of(record.get("user_notes_count"), "user_notes_count")
            or len(notes),
            url=optional_text(record.get("web_url"), "web_url"),
        )


def _first_given(record: Mapping[str, Any], *fields: str) -> tuple[str, Any]:
    """The first of fields the record gives a value (not null), with that value; else the
    last field and None."""
    for field in fields:
        if record.get(field) is not None:
            return field, record[field]
    return fields[-1], None


def gitlab_notes(notes: list[Any], issue: Mapping[str, Any]) -> list[Comment]:
    """An issue's notes as comments, system notes ("changed the label") left out.

    A note's text is its `body` (REST API), or its `note` (a GitLab project export). The
    issue's author is its reporter; an assignee writing a note is a maintainer.
    """
    reporter = login_of(issue.get("author"), "username")
    assignees = [login_of(a, "username") for a in list_of(issue.get("assignees"), "assignees")]
    assignees.append(login_of(issue.get("assignee"), "username"))
    out: list[Comment] = []
    for note in notes:
        if not isinstance(note, Mapping):
            raise SourceError("record: field 'notes_data' or 'notes': expected note objects")
        if note.get("system"):
            continue
        author = login_of(note.get("author"), "username")
        field, text = _first_given(note, "body", "note")
        out.append(
            Comment(
                text=plain_text(text, f"notes.{field}"),
                author=author,
                role=comment_role(author, reporter, assignees),
                created=time_of(note.get("created_at"), "notes.created_at"),
            )
        )
    return out
