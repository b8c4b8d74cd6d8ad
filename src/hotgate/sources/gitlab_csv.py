"""GitLab's own CSV export (the issue list's "Export as CSV"), streamed row by row.

Its columns: Title, Description, Issue ID, URL, State, Author, Author Username, Assignee,
Assignee Username, Confidential, Locked, Due Date, Created At (UTC), Updated At (UTC),
Closed At (UTC), Milestone, Weight, Labels, Time Estimate, Time Spent, Epic ID, Epic Title.
Labels are one cell, comma-separated, scoped labels (`severity::1`) included.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hotgate.model import Issue
from hotgate.sources.base import (
    FileFormat,
    Ignored,
    Origin,
    Skipped,
    SourceError,
    make_issue,
    number_of,
    summary_of,
)
from hotgate.sources.csvfile import BadRow, Row, every, export_time, first, header_of, rows
from hotgate.sources.gitlab import project_path


class GitLabCsvFormat(FileFormat):
    """A CSV export with GitLab's column names, one issue per row."""

    name = "gitlab-csv"

    def sniff(self, path: str, head: bytes) -> bool:  # noqa: ARG002
        """A CSV header with Title, Issue ID and URL."""
        return {"Title", "Issue ID", "URL"} <= set(header_of(head))

    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every row as an Issue; a bad row is skipped with its line number."""
        for line, row in rows(path):
            if isinstance(row, BadRow):
                yield Skipped(f"{path} line {line}", row.reason)
            else:
                yield self.guarded({"row": row}, origin, f"{path} line {line}")

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """One row into an Issue, keyed by the project in its URL and its Issue ID."""
        row: Row = record["row"]
        number = number_of(first(row, "Issue ID"), "Issue ID")
        url = first(row, "URL")
        project = project_path({"web_url": url or ""}, origin)
        if project.startswith("project-"):
            raise SourceError("record: column 'URL': no project in it (GROUP/PROJECT/-/issues/N)")
        key = f"gitlab:{project}#{number}"
        milestone = first(row, "Milestone")
        try:
            created = export_time(first(row, "Created At (UTC)", "Created At"))
            updated = export_time(first(row, "Updated At (UTC)", "Updated At"))
        except ValueError as exc:
            raise SourceError(f"record {key}: {exc}") from None
        return make_issue(
            f"record {key}",
            key=key,
            source="gitlab",
            title=summary_of(first(row, "Title")),
            body=first(row, "Description") or "",
            labels=every(row, "Labels"),
            status=(first(row, "State") or "").lower() or None,
            product=project.rsplit("/", 1)[-1],
            versions=[milestone] if milestone else [],
            created=created,
            updated=updated,
            url=url,
        )
