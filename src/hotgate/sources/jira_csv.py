"""Jira's CSV export ("Summary, Issue key, Issue id, Status, Priority, …"), streamed row by row.

The GitBugs dataset writes Bugzilla products (SeaMonkey, Firefox) in the same columns; such a
file is recognised by its Bugzilla values (upper-case statuses, `--` or P1–P5 priorities, ISO
dates) and its issues are keyed and labelled as Bugzilla bugs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hotgate.model import Comment, Issue
from hotgate.sources.base import (
    FileFormat,
    Ignored,
    Origin,
    Skipped,
    SourceError,
    comment_role,
    make_issue,
    summary_of,
)
from hotgate.sources.csvfile import BadRow, Row, every, export_time, first, header_of, rows

_JIRA_DATE = re.compile(r"^\d{1,2}/[A-Za-z]{3}/\d{2,4}")
_BUGZILLA_PRIORITY = re.compile(r"^(--|---|P[1-5])$")
_EMPTY = {"", "--", "---"}
# Jira writes a comment cell as "date;author id;text".
_COMMENT = re.compile(r"^([^;]{6,25});([^;]*);(.*)$", re.DOTALL)


def comments_of(row: Row) -> list[Comment]:
    """The Comment cells with their authors: the reporter, an assignee (maintainer) or other."""
    reporter = {v for v in (first(row, "Reporter"), first(row, "Reporter Id")) if v}
    assignees = [first(row, "Assignee"), first(row, "Assignee Id")]
    out: list[Comment] = []
    for cell in row.get("Comment", []):
        match = _COMMENT.match(cell)
        if not match:
            out.append(Comment(text=cell))
            continue
        when, author, text = match.groups()
        role = comment_role(author, author if author in reporter else None, assignees)
        try:
            created = export_time(when)
        except ValueError:
            created = None
        out.append(Comment(text=text, author=author or None, role=role, created=created))
    return out


def is_bugzilla_row(row: Row) -> bool:
    """Whether a row of this layout holds a Bugzilla bug rather than a Jira issue."""
    created = first(row, "Created") or ""
    status = first(row, "Status") or ""
    priority = first(row, "Priority") or ""
    if _JIRA_DATE.match(created) or first(row, "Issue key", "Project key"):
        return False
    return bool(_BUGZILLA_PRIORITY.match(priority)) or (status.isupper() and len(status) > 2)


def _value(text: str | None) -> str | None:
    return None if text is None or text.strip() in _EMPTY else text.strip()


def _count(row: Row, column: str) -> int:
    # A number, or (for Watchers) one repeated column per watcher's name.
    values = row.get(column, [])
    if len(values) == 1 and values[0].strip().isdigit():
        return int(values[0])
    return len(values)


class JiraCsvFormat(FileFormat):
    """A CSV export with Jira's column names, one issue per row."""

    name = "jira-csv"

    def sniff(self, path: str, head: bytes) -> bool:  # noqa: ARG002
        """A CSV header with Summary and Issue key or Issue id."""
        columns = set(header_of(head))
        return "Summary" in columns and bool({"Issue key", "Issue id"} & columns)

    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every row as an Issue; a bad row is skipped with its line number."""
        tracker: str | None = None
        for line, row in rows(path):
            if isinstance(row, BadRow):
                yield Skipped(f"{path} line {line}", row.reason)
                continue
            tracker = tracker or ("bugzilla" if is_bugzilla_row(row) else "jira")
            yield self.guarded({"row": row, "tracker": tracker}, origin, f"{path} line {line}")

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """One row (with the tracker it belongs to) into an Issue."""
        row: Row = record["row"]
        tracker: str = record.get("tracker", "jira")
        number = first(row, "Issue key", "Issue id", "Key")
        if not number:
            raise SourceError("record: no Issue key or Issue id")
        if tracker == "bugzilla":
            host = origin.host or "bugzilla"
            key = f"bugzilla:{host}#{number}"
            url = f"https://{origin.host}/show_bug.cgi?id={number}" if origin.host else None
        else:
            key = f"jira:{origin.host}/{number}" if origin.host else f"jira:{number}"
            url = f"https://{origin.host}/browse/{number}" if origin.host else None
        comments = comments_of(row)
        return make_issue(
            f"record {number}",
            key=key,
            source=tracker,
            title=summary_of(first(row, "Summary")),
            body=first(row, "Description") or "",
            comments=comments,
            labels=every(row, "Labels"),
            type=first(row, "Issue Type"),
            severity_raw=_value(first(row, "Custom field (Severity)", "Severity")),
            priority_raw=_value(first(row, "Priority")),
            status=_value(first(row, "Status")),
            resolution=_value(first(row, "Resolution")),
            # Jira repeats Component/s once per component; all are kept, joined.
            component=", ".join(every(row, "Component/s")) or None,
            product=first(row, "Project name", "Product") or origin.project,
            versions=every(row, "Affects Version/s", "Fix Version/s"),
            created=export_time(first(row, "Created")),
            updated=export_time(first(row, "Updated", "Resolved")),
            votes=_count(row, "Votes"),
            watchers=_count(row, "Watchers"),
            comment_count=len(comments),
            url=url,
        )
