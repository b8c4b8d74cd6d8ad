"""Jira REST issues and search pages (Server `startAt` and Cloud `nextPageToken`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    mapping_of,
    names,
    optional_text,
    summary_of,
    text_of,
    time_of,
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
        """Read summary, description, priority, type, votes, watches and comments with authors."""
        fields: Mapping[str, Any] = record["fields"]
        issue_key = str(optional_text(record.get("key"), "key") or "")
        if not issue_key:
            raise SourceError("record: field 'key': missing")
        site = urlparse(str(record.get("self") or "")).hostname or origin.host
        key = f"jira:{site}/{issue_key}" if site else f"jira:{issue_key}"
        comment = mapping_of(fields.get("comment"), "fields.comment")
        comments = list_of(comment.get("comments"), "fields.comment.comments")
        severity = next(
            (
                _named(v)
                for k, v in fields.items()
                if k.lower() in _SEVERITY_FIELD_NAMES and _named(v)
            ),
            None,
        )
        votes = mapping_of(fields.get("votes"), "fields.votes")
        watches = mapping_of(fields.get("watches"), "fields.watches")
        browse = f"https://{site}/browse/{issue_key}" if site else None
        return make_issue(
            f"record {issue_key}",
            key=key,
            source="jira",
            title=summary_of(fields.get("summary"), "fields.summary"),
            body=text_of(fields.get("description")),
            comments=jira_comments(comments, fields),
            labels=names(fields.get("labels"), where="fields.labels"),
            type=_named(fields.get("issuetype")),
            severity_raw=severity,
            priority_raw=_named(fields.get("priority")),
            status=_named(fields.get("status")),
            resolution=_named(fields.get("resolution")),
            # All components are kept, joined; the policy looks for core functions in them.
            component=", ".join(names(fields.get("components"), where="fields.components")) or None,
            product=_named(fields.get("project")),
            versions=names(fields.get("versions"), where="fields.versions")
            + names(fields.get("fixVersions"), where="fields.fixVersions"),
            created=time_of(fields.get("created"), "fields.created"),
            updated=time_of(fields.get("updated"), "fields.updated"),
            votes=count_of(votes.get("votes"), "fields.votes.votes"),
            watchers=count_of(watches.get("watchCount"), "fields.watches.watchCount"),
            comment_count=count_of(comment.get("total"), "fields.comment.total") or len(comments),
            duplicates=sum(
                1
                for link in list_of(fields.get("issuelinks"), "fields.issuelinks")
                if isinstance(link, Mapping)
                and "duplicat" in str(mapping_of(link.get("type"), "type").get("name", "")).lower()
                and "inwardIssue" in link
            ),
            url=browse,
        )


def person(user: Any) -> str | None:
    """A Jira user's id: name or key (Server), else accountId (Cloud, which hides names)."""
    return login_of(user, "name", "key", "accountId", "emailAddress", "displayName")


def jira_comments(comments: list[Any], fields: Mapping[str, Any]) -> list[Comment]:
    """Jira comments with their authors: the issue's reporter, its assignee (maintainer), other."""
    reporter = person(fields.get("reporter"))
    assignee = person(fields.get("assignee"))
    out: list[Comment] = []
    for item in comments:
        if not isinstance(item, Mapping):
            raise SourceError("record: field 'fields.comment.comments': expected comment objects")
        author = person(item.get("author"))
        out.append(
            Comment(
                text=text_of(item.get("body")),
                author=author or login_of(item.get("author"), "displayName"),
                role=comment_role(author, reporter, [assignee]),
                created=time_of(item.get("created"), "comment.created"),
            )
        )
    return out
