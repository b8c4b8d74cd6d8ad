"""Bugzilla REST bugs: `{"bugs": [...]}` answers and bug objects with inline comments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hotgate.model import Issue
from hotgate.sources.base import Format, Ignored, Origin, make_issue, parse_time, summary_of

_EMPTY = {"", "--", "---"}


def _value(value: Any) -> str | None:
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
        """Read severity, priority, keywords, votes, CC and inline comments."""
        host = origin.host or "bugzilla"
        bug_id = record["id"]
        comments = [
            str(c.get("text") or c.get("raw_text") or "")
            for c in record.get("comments") or []
            if isinstance(c, Mapping)
        ]
        # The first comment of a Bugzilla bug is its description.
        body = comments[0] if comments else str(record.get("description") or "")
        rest = comments[1:]
        keywords = [str(k) for k in record.get("keywords") or []]
        bug_type = _value(record.get("type"))
        severity = _value(record.get("severity"))
        if severity and severity.lower() == "enhancement":
            # Older Bugzillas file requests as severity "enhancement"; it is a type, not a level.
            bug_type, severity = bug_type or "enhancement", None
        return make_issue(
            f"record bug {bug_id}",
            key=f"bugzilla:{host}#{bug_id}",
            source="bugzilla",
            title=summary_of(record.get("summary")),
            body=str(body),
            comments=rest,
            labels=keywords + [w for w in str(record.get("whiteboard") or "").split() if w],
            type=bug_type,
            severity_raw=severity,
            priority_raw=_value(record.get("priority")),
            status=_value(record.get("status")),
            resolution=_value(record.get("resolution")),
            component=_value(record.get("component")),
            product=_value(record.get("product")),
            versions=[v for v in [_value(record.get("version"))] if v],
            created=parse_time(record.get("creation_time")),
            updated=parse_time(record.get("last_change_time")),
            duplicates=len(record.get("duplicates") or []),
            votes=int(record.get("votes") or 0),
            watchers=len(record.get("cc") or []),
            comment_count=len(rest) if comments else int(record.get("comment_count") or 0),
            url=f"https://{host}/show_bug.cgi?id={bug_id}" if origin.host else None,
        )
