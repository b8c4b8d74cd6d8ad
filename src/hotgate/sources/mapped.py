"""Exports of trackers hotgate does not know (Linear, YouTrack, Azure DevOps, Redmine …),
read through a column mapping: `--columns title=Summary,body=Description,labels=Tags`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from hotgate.model import Issue
from hotgate.sources.base import (
    Ignored,
    Origin,
    Skipped,
    SourceError,
    count_of,
    make_issue,
    optional_text,
    plain_text,
    summary_of,
    time_of,
)
from hotgate.sources.csvfile import BadRow, rows
from hotgate.sources.documents import looks_like_csv, safe_yaml

# Issue fields a column can fill; `tracker` is no column but the name keys start with.
TEXT_FIELDS = ("status", "type", "priority", "severity", "component", "product", "resolution")
COUNT_FIELDS = ("votes", "watchers", "reactions", "duplicates", "comment_count")
FIELDS = (
    *("key", "title", "body", "labels", "url", "created", "updated", "comments"),
    *TEXT_FIELDS,
    *COUNT_FIELDS,
)
_LIST_SEPARATORS = (",", ";", "|")


def parse_columns(spec: str) -> tuple[tuple[str, str], ...]:
    """A mapping from `field=Column,…` or from a YAML or JSON file of `field: Column` pairs.

    SourceError names an unknown field, a pair without `=`, or a mapping with no title.
    """
    path = Path(spec)
    if path.is_file():
        try:
            data = safe_yaml(path.read_text("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SourceError(f"{spec}: not a column mapping: {str(exc).splitlines()[0]}") from None
        data = data.get("columns", data) if isinstance(data, Mapping) else data
        if not isinstance(data, Mapping):
            raise SourceError(f"{spec}: expected `field: Column` pairs, e.g. title: Summary")
        pairs = [(str(k).strip(), str(v).strip()) for k, v in data.items()]
        label = spec
    else:
        pairs = []
        for part in spec.split(","):
            field, sep, column = part.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise SourceError(f"--columns: {part.strip()!r} is not FIELD=COLUMN")
            pairs.append((field.strip(), column.strip()))
        label = "--columns"
    known = {*FIELDS, "tracker"}
    for field, _ in pairs:
        if field not in known:
            raise SourceError(
                f"{label}: unknown field {field!r} (fields: {', '.join(sorted(known))})"
            )
    if "title" not in dict(pairs):
        raise SourceError(f"{label}: map a column to title, e.g. title=Summary")
    return tuple(pairs)


def mapped_items(
    path: str, label: str, head: bytes, origin: Origin
) -> Iterator[Issue | Skipped | Ignored]:
    """Every record of a CSV, JSON or JSON Lines file, read through the origin's column mapping."""
    mapping = dict(origin.columns or ())
    if looks_like_csv(label, head):
        for line, row in rows(path, label):
            where = f"{label} line {line}"
            if isinstance(row, BadRow):
                yield Skipped(where, row.reason)
            else:
                values = {
                    name: (cells if len(cells) > 1 else next(iter(cells), None))
                    for name, cells in row.items()
                }
                yield _guarded(values, mapping, origin, where, line)
        return
    yield from _json_records(path, label, mapping, origin)


def _json_records(
    path: str, label: str, mapping: dict[str, str], origin: Origin
) -> Iterator[Issue | Skipped | Ignored]:
    data = Path(path).read_bytes()
    try:
        document: Any = orjson.loads(data)
        records = document if isinstance(document, list) else [document]
        numbered = [(f"{label} record {n}", n, r) for n, r in enumerate(records, 1)]
    except orjson.JSONDecodeError:
        numbered = []
        for n, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                numbered.append((f"{label} line {n}", n, orjson.loads(line)))
            except orjson.JSONDecodeError:
                numbered.append((f"{label} line {n}", n, None))
    if not numbered:
        raise SourceError(f"{label}: neither CSV, JSON nor JSON Lines")
    for where, number, record in numbered:
        if not isinstance(record, Mapping):
            yield Skipped(where, "not a JSON object")
        else:
            yield _guarded(record, mapping, origin, where, number)


def _guarded(
    values: Mapping[str, Any], mapping: dict[str, str], origin: Origin, where: str, number: int
) -> Issue | Skipped:
    try:
        return mapped_issue(values, mapping, origin, number)
    except SourceError as exc:
        message = str(exc)
        if message.startswith("record: "):
            return Skipped(where, message.removeprefix("record: "))
        return Skipped(where, message.partition(": ")[2] or message)


def _value(values: Mapping[str, Any], mapping: dict[str, str], field: str) -> Any:
    column = mapping.get(field)
    return values.get(column) if column else None


def _list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [plain_text(v, field).strip() for v in value if plain_text(v, field).strip()]
    text = plain_text(value, field)
    separator = next((s for s in _LIST_SEPARATORS if s in text), None)
    parts = text.split(separator) if separator else [text]
    return [p.strip() for p in parts if p.strip()]


def mapped_issue(
    values: Mapping[str, Any], mapping: dict[str, str], origin: Origin, number: int
) -> Issue:
    """One record of an unknown export as an Issue, by the mapping's field -> column pairs."""
    tracker = mapping.get("tracker") or "export"
    ident = optional_text(_value(values, mapping, "key"), str(mapping.get("key")))
    key = f"{tracker}:{ident}" if ident else f"{tracker}:{origin.project or 'row'}#{number}"

    def text(field: str) -> str | None:
        value = _value(values, mapping, field)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return optional_text(value, str(mapping.get(field)))

    return make_issue(
        f"record {key}",
        key=key,
        source=tracker,
        title=summary_of(_value(values, mapping, "title"), mapping["title"]),
        body=text("body") or "",
        comments=_list(_value(values, mapping, "comments"), "comments")
        if isinstance(_value(values, mapping, "comments"), list)
        else [c for c in [text("comments")] if c],
        labels=_list(_value(values, mapping, "labels"), str(mapping.get("labels"))),
        type=text("type"),
        priority_raw=text("priority"),
        severity_raw=text("severity"),
        status=text("status"),
        resolution=text("resolution"),
        component=text("component"),
        product=text("product"),
        url=text("url"),
        created=time_of(text("created"), str(mapping.get("created"))),
        updated=time_of(text("updated"), str(mapping.get("updated"))),
        **{
            field: count_of(_value(values, mapping, field), str(mapping.get(field)))
            for field in COUNT_FIELDS
            if field in mapping
        },
    )
