"""Jira REST issues and search pages (Server `startAt` and Cloud `nextPageToken`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    text_of,
)

_SEVERITY_FIELD_NAMES = {"severity", "bug severity", "impact"}


def _named(value: Any) -> str | None:
    if isinstance(value, Mapping):
        found = value.get("name") or value.get("value")
        return str(found) if found else None
    return str(value) if value else None


class JiraFormat(Format):
    """An issue object as Jira's REST API sends it, with its fields under `fields`."""

    name = "jira"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Jira issues have a key and a fields object."""
        return "key" in record and isinstance(record.get("fields"), Mapping)

    def records(self, document: Mapping[str, Any]) -> Iterable[Any] | None:
        """A search page: `issues` with startAt/total or nextPageToken/isLast."""
        issues = document.get("issues")
        paged = {"startAt", "total", "nextPageToken", "isLast", "maxResults"} & set(document)
        return issues if isinstance(issues, list) and paged else None

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read summary, description, priority, type, votes, watches and comments."""
        fields: Mapping[str, Any] = record["fields"]
        site = urlparse(str(record.get("self") or "")).hostname or origin.host
        key = f"jira:{site}/{record['key']}" if site else f"jira:{record['key']}"
        comment = fields.get("comment") or {}
        comments = comment.get("comments", []) if isinstance(comment, Mapping) else []
        severity = next(
            (
                _named(v)
                for k, v in fields.items()
                if k.lower() in _SEVERITY_FIELD_NAMES and _named(v)
            ),
            None,
        )
        votes = fields.get("votes") or {}
        watches = fields.get("watches") or {}
        browse = f"https://{site}/browse/{record['key']}" if site else None
        return make_issue(
            f"record {record['key']}",
            key=key,
            source="jira",
            title=summary_of(fields.get("summary")),
            body=text_of(fields.get("description")),
            comments=[text_of(c.get("body")) for c in comments if isinstance(c, Mapping)],
            labels=[str(label) for label in fields.get("labels") or []],
            type=_named(fields.get("issuetype")),
            severity_raw=severity,
            priority_raw=_named(fields.get("priority")),
            status=_named(fields.get("status")),
            resolution=_named(fields.get("resolution")),
            component=next(iter(names(fields.get("components"))), None),
            product=_named(fields.get("project")),
            versions=names(fields.get("versions")) + names(fields.get("fixVersions")),
            created=parse_time(fields.get("created")),
            updated=parse_time(fields.get("updated")),
            votes=int(votes.get("votes") or 0) if isinstance(votes, Mapping) else 0,
            watchers=int(watches.get("watchCount") or 0) if isinstance(watches, Mapping) else 0,
            comment_count=int(comment.get("total") or len(comments))
            if isinstance(comment, Mapping)
            else 0,
            duplicates=sum(
                1
                for link in fields.get("issuelinks") or []
                if isinstance(link, Mapping)
                and "duplicat" in str((link.get("type") or {}).get("name", "")).lower()
                and "inwardIssue" in link
            ),
            url=browse,
        )
