"""GitHub REST issues: single objects, list pages and JSON Lines (pull requests are skipped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson
import polars as pl

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
    number_of,
    optional_text,
    plain_text,
    summary_of,
    time_of,
)
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


def _type_name(value: Any) -> str | None:
    """An issue type: an object's name (as the columnar path reads it), or plain text."""
    if isinstance(value, Mapping):
        name = value.get("name")
        return None if name is None else plain_text(name, "type.name")
    return optional_text(value, "type")


def reactions_of(record: Mapping[str, Any]) -> int:
    """Reactions: the REST summary object, an archiver's reactions_data list, or gh's groups."""
    if "reactionGroups" in record:
        total = 0
        for group in list_of(record.get("reactionGroups"), "reactionGroups"):
            users = group.get("users") if isinstance(group, Mapping) else None
            count = users.get("totalCount") if isinstance(users, Mapping) else None
            total += count_of(count, "reactionGroups.users.totalCount")
        return total
    if record.get("reactions") is not None:  # null, as the columnar path reads it: no summary
        reactions = mapping_of(record["reactions"], "reactions")
        return count_of(reactions.get("total_count"), "reactions.total_count")
    return len(list_of(record.get("reactions_data"), "reactions_data"))


def comments_of(record: Mapping[str, Any]) -> list[Comment]:
    """The comments a record carries (REST `comments_data`, or a list of them in `comments`).

    Their author is `user.login` (REST) or `author.login` (gh); a member, owner or collaborator
    of the repository, or an assignee, is a maintainer, and the issue's author its reporter.
    """
    raw = record.get("comments_data")
    if raw is None and isinstance(record.get("comments"), list):
        raw = record["comments"]
    reporter = login_of(record.get("user")) or login_of(record.get("author"))
    assignees = [login_of(a) for a in list_of(record.get("assignees"), "assignees")]
    assignees.append(login_of(record.get("assignee")))
    out: list[Comment] = []
    for item in list_of(raw, "comments_data"):
        if not isinstance(item, Mapping):
            raise SourceError("record: field 'comments_data': expected comment objects")
        author = login_of(item.get("user")) or login_of(item.get("author"))
        association = item.get("author_association") or item.get("authorAssociation")
        out.append(
            Comment(
                text=plain_text(item.get("body"), "comments.body"),
                author=author,
                role=comment_role(author, reporter, assignees, str(association or "")),
                created=time_of(
                    item.get("created_at", item.get("createdAt")), "comments.created_at"
                ),
            )
        )
    return out


# Fields whose presence sends a chunk down the per-record path.
_PER_RECORD = (
    "comments_data", "createdAt", "updatedAt", "reactionGroups", "stateReason", "isPullRequest",
    "author",
)  # fmt: skip
_TEXT = ("title", "body", "state", "state_reason", "html_url", "repository_url", "url")


def _nonempty(text: pl.Expr) -> pl.Expr:
    """Text stripped, with null for empty, as optional_text reads it."""
    stripped = text.str.strip_chars()
    return pl.when(stripped != "").then(stripped)


def _checked(raw: pl.DataFrame, data: bytes) -> bool:
    """Whether a chunk holds only what the per-record path would read the same way.

    raw is the chunk as polars parsed it, data the JSON Lines it was parsed from.
    """
    present = [c for c in _PER_RECORD if c in raw.columns and raw.schema[c] != pl.Null]
    if any(raw[c].drop_nulls().ne("[]").any() for c in present):
        return False
    times = [
        pl.col(c).is_not_null() & pl.col(c).str.to_datetime(time_zone="UTC", strict=False).is_null()
        for c in ("created_at", "updated_at")
        if c in raw.columns and raw.schema[c] == pl.String
    ]
    if raw.select(pl.any_horizontal([*times, pl.col("number") < 0]).any()).item():
        return False
    # polars turns an object or list in a text field into its JSON text, which the record path
    # refuses. Text that merely looks like JSON ("[Bug] … [x]") is common in real reports, so
    # the rows where it does are looked up in the lines themselves.
    texts = [pl.col(c) for c in _TEXT if c in raw.columns and raw.schema[c] == pl.String]
    texts.append(struct_field(raw, "type", "name", pl.String))
    looks_like_json = [_looks_like_json(text) for text in texts]
    labels = names_of(raw, "labels").list.eval(_looks_like_json(pl.element())).list.any()
    looks_like_json.append(labels)
    rows = raw.select(pl.any_horizontal(looks_like_json).fill_null(False).arg_true()).to_series()
    if rows.is_empty():
        return True
    lines = [line for line in data.split(b"\n") if line.strip()]  # polars skips blank lines too
    return len(lines) == raw.height and all(_all_text(orjson.loads(lines[i])) for i in rows)


def _looks_like_json(text: pl.Expr) -> pl.Expr:
    """Whether a text is wrapped as a JSON object or list is ({…} or […])."""
    return (text.str.starts_with("{") & text.str.ends_with("}")) | (
        text.str.starts_with("[") & text.str.ends_with("]")
    )


def _all_text(record: Any) -> bool:
    """Whether a record's text fields, type name and label names hold no object or list."""
    values = [record.get(name) for name in _TEXT]
    kind = record.get("type")
    if isinstance(kind, Mapping):
        values.append(kind.get("name"))
    labels = record.get("labels")
    if isinstance(labels, list):
        values += [label.get("name") if isinstance(label, Mapping) else label for label in labels]
    return not any(isinstance(value, dict | list) for value in values)


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
        "updated_at": pl.String(),
        "reactions_data": pl.List(pl.Struct({"content": pl.String()})),
        # Read per record when present: comments keep their authors, gh's fields their names.
        **dict.fromkeys(_PER_RECORD, pl.String()),
    }

    def matches(self, record: Mapping[str, Any]) -> bool:
        """GitHub issues carry a number, a node_id or html_url on github.com, and a user."""
        url = str(record.get("html_url") or record.get("url") or "")
        return "number" in record and ("github.com" in url or "node_id" in record)

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read labels, reactions, comments with their authors and duplicate events into an Issue.

        The REST API's snake_case fields and the GitHub CLI's camelCase ones (`gh issue list
        --json …`, `gh issue view N --json …`) are both read.
        """
        repo = repository(record, origin)
        number = number_of(record.get("number"), "number")
        key = f"github:{repo}#{number}"
        if "pull_request" in record or record.get("isPullRequest") is True:
            return Ignored(where=key, reason="a pull request, not an issue")
        events = list_of(record.get("events"), "events")
        issue_type = record.get("type")
        reason = str(record.get("state_reason") or record.get("stateReason") or "").lower()
        state = optional_text(record.get("state"), "state")
        url = optional_text(record.get("html_url"), "html_url")
        if (
            url is None
            and "github.com/" in str(record.get("url") or "")
            and "api." not in str(record.get("url"))
        ):
            url = optional_text(record.get("url"), "url")
        milestone = record.get("milestone")
        return make_issue(
            f"record {key}",
            key=key,
            source="github",
            title=summary_of(record.get("title")),
            body=plain_text(record.get("body"), "body"),
            comments=comments_of(record),
            labels=names(record.get("labels")),
            type=_type_name(issue_type),
            status=state.lower() if state else None,
            resolution="won't fix" if reason == "not_planned" else None,
            versions=[str(milestone["title"])]
            if isinstance(milestone, Mapping) and milestone.get("title")
            else [],
            created=time_of(record.get("created_at", record.get("createdAt")), "created_at"),
            updated=time_of(record.get("updated_at", record.get("updatedAt")), "updated_at"),
            duplicates=sum(
                1
                for e in events
                if isinstance(e, Mapping)
                and isinstance(e.get("event"), str)
                and e["event"] in _DUPLICATE_EVENTS
            ),
            reactions=reactions_of(record),
            comment_count=len(record["comments"])
            if isinstance(record.get("comments"), list)
            else count_of(record.get("comments"), "comments"),
            url=url,
        )

    def frame(self, raw: pl.DataFrame, origin: Origin, data: bytes) -> pl.DataFrame | None:
        """The same reading as to_issue, as expressions over a chunk of records."""
        if "number" not in raw.columns or "title" not in raw.columns or raw["number"].null_count():
            return None
        if not _checked(raw, data):
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
        reactions_data = (
            pl.col("reactions_data").list.len().fill_null(0)
            if isinstance(raw.schema.get("reactions_data"), pl.List)
            else pl.lit(0)
        )
        api_url = column(raw, "url")
        page_url = pl.coalesce(
            _nonempty(column(raw, "html_url")),
            pl.when(api_url.str.contains("github.com/", literal=True)).then(
                pl.when(~api_url.str.contains("api.", literal=True)).then(api_url)
            ),
        )
        mapped = raw.select(
            key=pl.concat_str([pl.lit("github:"), repo, pl.lit("#"), column(raw, "number")]),
            source=pl.lit("github"),
            title=column(raw, "title").str.strip_chars().fill_null(""),
            body=column(raw, "body").str.strip_chars().fill_null(""),
            comment_text=pl.lit(""),
            labels=names_of(raw, "labels"),
            type=struct_field(raw, "type", "name", pl.String).str.strip_chars()
            if isinstance(issue_type, pl.Struct)
            else _nonempty(column(raw, "type")),
            status=_nonempty(column(raw, "state").str.to_lowercase()),
            created=column(raw, "created_at").str.to_datetime(time_zone="UTC", strict=False),
            resolution=pl.when(
                column(raw, "state_reason").str.to_lowercase() == "not_planned"
            ).then(pl.lit("won't fix")),
            duplicates=duplicates,
            reactions=pl.when(
                pl.col("reactions").is_not_null() if "reactions" in raw.columns else False
            )
            .then(struct_field(raw, "reactions", "total_count", pl.Int64).fill_null(0))
            .otherwise(reactions_data),
            comment_count=(comments if comments is not None else pl.lit(None)).fill_null(0),
            votes=pl.lit(0),
            watchers=pl.lit(0),
            url=_nonempty(page_url),
            **{
                IGNORED: pl.col("pull_request").is_not_null()
                if "pull_request" in raw.columns
                else pl.lit(False)
            },
        )
        return conform(mapped)
