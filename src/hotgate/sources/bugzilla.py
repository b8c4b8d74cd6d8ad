"""Bugzilla REST bugs: `{"bugs": [...]}` answers and bug objects with inline comments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
    number_of,
    plain_text,
    summary_of,
    time_of,
)

_EMPTY = {"", "--", "---"}


def _value(record: Mapping[str, Any], field: str) -> str | None:
    value = record.get(field)
    if isinstance(value, Mapping | list):
        raise SourceError(f"record: field {field!r}: expected text, got an object or a list")
    text = str(value).strip() if value is not None else ""
    return None if text in _EMPTY else text


class BugzillaFormat(Format):
    """A bug object as Bugzilla's REST API (/rest/bug) sends it."""

    name = "bugzilla"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Bugzilla bugs have an id, a summary and a product."""
        return "id" in record and "summary" in record and "product" in record

    def records(self, document: Mapping[str, Any]) -> Iterable[Any] | None:
        """The answer of /rest/bug: {"bugs": [...]}."""
        bugs = document.get("bugs")
        return bugs if isinstance(bugs, list) else None

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read severity, priority, keywords, votes, CC and inline comments with their authors."""
        host = origin.host or "bugzilla"
        bug_id = number_of(record.get("id"), "id")
        raw = list_of(record.get("comments"), "comments")
        if any(not isinstance(c, Mapping) for c in raw):
            raise SourceError("record: field 'comments': expected comment objects")
        # The first comment of a Bugzilla bug is its description.
        body = (
            plain_text(raw[0].get("text") or raw[0].get("raw_text"), "comments.text")
            if raw
            else plain_text(record.get("description"), "description")
        )
        rest = bug_comments(raw[1:], record)
        keywords = [str(k) for k in list_of(record.get("keywords"), "keywords")]
        bug_type = _value(record, "type")
        severity = _value(record, "severity")
        if severity and severity.lower() == "enhancement":
            # Older Bugzillas file requests as severity "enhancement"; it is a type, not a level.
            bug_type, severity = bug_type or "enhancement", None
        whiteboard = plain_text(record.get("whiteboard"), "whiteboard")
        return make_issue(
            f"record bug {bug_id}",
            key=f"bugzilla:{host}#{bug_id}",
            source="bugzilla",
            title=summary_of(record.get("summary"), "summary"),
            body=body,
            comments=rest,
            labels=keywords + [w for w in whiteboard.split() if w] + field_labels(record),
            type=bug_type,
            severity_raw=severity,
            priority_raw=_value(record, "priority"),
            status=_value(record, "status"),
            resolution=_value(record, "resolution"),
            component=_value(record, "component"),
            product=_value(record, "product"),
            versions=[v for v in [_value(record, "version")] if v],
            created=time_of(record.get("creation_time"), "creation_time"),
            updated=time_of(record.get("last_change_time"), "last_change_time"),
            duplicates=len(list_of(record.get("duplicates"), "duplicates")),
            votes=count_of(record.get("votes"), "votes"),
            watchers=len(list_of(record.get("cc"), "cc")),
            comment_count=len(rest)
            if raw
            else count_of(record.get("comment_count"), "comment_count"),
            url=f"https://{host}/show_bug.cgi?id={bug_id}" if origin.host else None,
        )


# Long enough for a crash signature or a few bug numbers; the label is evidence, not a record.
_LABEL_LIMIT = 200


def field_labels(record: Mapping[str, Any]) -> list[str]:
    """Labels for what Bugzilla states in fields of its own rather than in keywords.

    - `cf_crash_signature` (bugzilla.mozilla.org: the Socorro signatures of the crash, one
      `[@ ...]` a line): `crash-signature: [@ ...]`, the first signature; a bug with one is a
      crash whatever its keywords say.
    - `regressed_by` (Bugzilla 5.1+: the bugs whose change broke this): `regressed-by: N, M`;
      a bug with one is a regression.

    Raises SourceError when either field is not the kind of value Bugzilla sends.
    """
    labels: list[str] = []
    signature = _value(record, "cf_crash_signature")
    if signature:
        first = next(line.strip() for line in signature.splitlines() if line.strip())
        labels.append(f"crash-signature: {first}"[:_LABEL_LIMIT])
    regressed_by = list_of(record.get("regressed_by"), "regressed_by")
    if regressed_by:
        bugs = ", ".join(str(number_of(bug, "regressed_by")) for bug in regressed_by[:10])
        labels.append(f"regressed-by: {bugs}"[:_LABEL_LIMIT])
    return labels


def bug_comments(comments: list[Mapping[str, Any]], bug: Mapping[str, Any]) -> list[Comment]:
    """Comments after the description, with authors: the bug's creator is its reporter, its
    assignee (and QA contact) a maintainer."""
    reporter = _person(bug.get("creator") or bug.get("creator_detail"))
    maintainers = [_person(bug.get(f)) for f in ("assigned_to", "assigned_to_detail", "qa_contact")]
    out: list[Comment] = []
    for item in comments:
        author = _person(item.get("creator") or item.get("author"))
        out.append(
            Comment(
                text=plain_text(item.get("text") or item.get("raw_text"), "comments.text"),
                author=author,
                role=comment_role(author, reporter, maintainers),
                created=time_of(
                    item.get("creation_time") or item.get("time"), "comments.creation_time"
                ),
            )
        )
    return out


def _person(value: Any) -> str | None:
    # REST sends an e-mail or login; *_detail objects carry it as `name` or `email`.
    return login_of(value, "name", "email", "login")
