"""GitHub REST issues: single objects, list pages and JSON Lines (pull requests are skipped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import polars as pl

from hotgate.model import Issue
from hotgate.sources.base import Format, Ignored, Origin, make_issue, names, parse_time, summary_of
from hotgate.sources.columnar import IGNORED, column, conform, names_of, struct_field

_REPO = re.compile(r"(?:api\.)?github\.com/(?:repos/)?([^/]+/[^/]+?)(?:/issues/\d+|$|/)")
_DUPLICATE_EVENTS = {"marked_as_duplicate"}


def repository(record: Mapping[str, Any], origin: Origin) -> str:
    """OWNER/REPO of an issue, from its URLs or the origin."""
    for field in ("repository_url", "html_url", "url"):
        match = _REPO.search(str(record.get(field) or ""))
        if match:
            return match.group(1)
    return origin.project or "unknown/unknown"


class GitHubFormat(Format):
    """An issue object as the GitHub REST API sends it."""

    name = "github"
    raw_schema: ClassVar[dict[str, pl.DataType] | None] = {
        "number": pl.Int64(),
        "title": pl.String(),
        "body": pl.String(),
        "labels": pl.List(pl.Struct({"name": pl.String()})),
        "state": pl.String(),
        "state_reason": pl.String(),
        "comments": pl.Int64(),
        "html_url": pl.String(),
        "repository_url": pl.String(),
        "url": pl.String(),
        "reactions": pl.Struct({"total_count": pl.Int64()}),
        "type": pl.Struct({"name": pl.String()}),
        "pull_request": pl.Struct({"url": pl.String()}),
        "events": pl.List(pl.Struct({"event": pl.String()})),
        "created_at": pl.String(),
    }

    def matches(self, record: Mapping[str, Any]) -> bool:
        """GitHub issues carry a number, a node_id or html_url on github.com, and a user."""
        url = str(record.get("html_url") or record.get("url") or "")
        return "number" in record and ("github.com" in url or "node_id" in record)

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read labels, reactions, comment count and duplicate events into an Issue."""
        repo = repository(record, origin)
        key = f"github:{repo}#{record.get('number')}"
        if "pull_request" in record:
            return Ignored(where=key, reason="a pull request, not an issue")
        reactions = record.get("reactions") or {}
        events = record.get("events") or []
        comments = record.get("comments_data") or []
        issue_type = record.get("type")
        reason = record.get("state_reason")
        return make_issue(
            f"record {key}",
            key=key,
            source="github",
            title=summary_of(record.get("title")),
            body=record.get("body") or "",
            comments=[str(c.get("body") or "") for c in comments if isinstance(c, Mapping)],
            labels=names(record.get("labels")),
            type=issue_type.get("name") if isinstance(issue_type, Mapping) else issue_type,
            status=record.get("state"),
            resolution="won't fix" if reason == "not_planned" else None,
            versions=[str(m["title"])] if isinstance(m := record.get("milestone"), Mapping) else [],
            created=parse_time(record.get("created_at")),
            updated=parse_time(record.get("updated_at")),
            duplicates=sum(
                1 for e in events if isinstance(e, Mapping) and e.get("event") in _DUPLICATE_EVENTS
            ),
            # A summary object from the API, or the list archiving tools store as reactions_data.
            reactions=int(reactions.get("total_count") or 0)
            if isinstance(record.get("reactions"), Mapping)
            else len(record.get("reactions_data") or []),
            comment_count=int(record.get("comments") or 0)
            if not isinstance(record.get("comments"), list)
            else len(record["comments"]),
            url=record.get("html_url"),
        )

    def frame(self, raw: pl.DataFrame, origin: Origin) -> pl.DataFrame | None:
        """The same reading as to_issue, as expressions over a chunk of records."""
        if "number" not in raw.columns or "title" not in raw.columns or raw["number"].null_count():
            return None
        url = pl.coalesce(
            column(raw, "repository_url"), column(raw, "html_url"), column(raw, "url")
        )
        repo = url.str.extract(_REPO.pattern, 1).fill_null(origin.project or "unknown/unknown")
        comments = (
            column(raw, "comments", pl.Int64) if raw.schema.get("comments") != pl.List else None
        )
        duplicates = pl.lit(0)
        if isinstance(raw.schema.get("events"), pl.List):
            duplicates = (
                names_of(raw, "events", "event")
                .list.eval(pl.element().is_in(list(_DUPLICATE_EVENTS)))
                .list.sum()
            )
        issue_type = raw.schema.get("type")
        mapped = raw.select(
            key=pl.concat_str([pl.lit("github:"), repo, pl.lit("#"), column(raw, "number")]),
            source=pl.lit("github"),
            title=column(raw, "title").fill_null(""),
            body=column(raw, "body").fill_null(""),
            comment_text=pl.lit(""),
            labels=names_of(raw, "labels"),
            type=struct_field(raw, "type", "name", pl.String)
            if isinstance(issue_type, pl.Struct)
            else column(raw, "type"),
            status=column(raw, "state"),
            created=column(raw, "created_at").str.to_datetime(time_zone="UTC", strict=False),
            resolution=pl.when(column(raw, "state_reason") == "not_planned").then(
                pl.lit("won't fix")
            ),
            duplicates=duplicates,
            reactions=struct_field(raw, "reactions", "total_count", pl.Int64).fill_null(0),
            comment_count=(comments if comments is not None else pl.lit(None)).fill_null(0),
            votes=pl.lit(0),
            watchers=pl.lit(0),
            url=column(raw, "html_url"),
            **{
                IGNORED: pl.col("pull_request").is_not_null()
                if "pull_request" in raw.columns
                else pl.lit(False)
            },
        )
        return conform(mapped)
