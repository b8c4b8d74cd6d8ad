"""GitLab REST issues (API v4): single objects, list pages and JSON Lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from hotgate.model import Issue
from hotgate.sources.base import (
    Format,
    Ignored,
    Origin,
    make_issue,
    names,
    parse_time,
    summary_of,
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
        """Read labels, upvotes, notes count, milestone and incident severity into an Issue."""
        project = project_path(record, origin)
        key = f"gitlab:{project}#{record.get('iid')}"
        if record.get("type") == "MERGE_REQUEST" or "merge_status" in record:
            return Ignored(where=key, reason="a merge request, not an issue")
        notes = record.get("notes_data") or []
        emoji = record.get("award_emoji_data") or []
        severity = str(record.get("severity") or "").strip()
        milestone = record.get("milestone")
        host = urlparse(str(record.get("web_url") or "")).hostname
        issue_type = record.get("issue_type") or record.get("type")
        return make_issue(
            f"record {key}",
            key=key,
            source="gitlab",
            title=summary_of(record.get("title")),
            body=record.get("description") or "",
            comments=[
                str(n.get("body") or "")
                for n in notes
                if isinstance(n, Mapping) and not n.get("system")
            ],
            # strings, or objects when asked for `with_labels_details`
            labels=names(record.get("labels")),
            type=str(issue_type).lower() if issue_type else None,
            severity_raw=None if severity.lower() in _UNSET_SEVERITY else severity,
            status=record.get("state"),
            product=project.rsplit("/", 1)[-1] if host or origin.project else None,
            versions=[str(milestone["title"])] if isinstance(milestone, Mapping) else [],
            created=parse_time(record.get("created_at")),
            updated=parse_time(record.get("updated_at")),
            votes=int(record.get("upvotes") or 0),
            # Upvotes are the thumbs-up emoji; count the other award emoji as reactions.
            reactions=sum(
                1 for e in emoji if isinstance(e, Mapping) and e.get("name") != "thumbsup"
            ),
            comment_count=int(record.get("user_notes_count") or len(notes)),
            url=record.get("web_url"),
        )
