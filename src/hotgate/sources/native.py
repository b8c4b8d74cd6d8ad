"""hotgate's own issue document (JSON or YAML), as written by people and other tools."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hotgate.model import Issue
from hotgate.sources.base import Format, Ignored, Origin, make_issue


class NativeFormat(Format):
    """An issue written in hotgate's own field names (see the Issue model)."""

    name = "hotgate"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """A record with hotgate's key and source fields, or kind: issue."""
        return record.get("kind") == "issue" or ("key" in record and "source" in record)

    def records(self, document: Mapping[str, Any]) -> Iterable[Any] | None:
        """A document of the form {"issues": [...]} holding hotgate issues."""
        items = document.get("issues")
        if document.get("kind") == "issues" and isinstance(items, list):
            return items
        return None

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:  # noqa: ARG002
        """Validate the record as an Issue."""
        fields = {k: v for k, v in record.items() if k != "kind"}
        fields.setdefault("source", "hotgate")
        where = f"record {fields.get('key', '?')}"
        return make_issue(where, **fields)
