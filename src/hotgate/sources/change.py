"""Change requests (JSON or YAML, `kind: change`): quick site changes for the content lane."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from hotgate.model import ChangeRequest
from hotgate.sources.base import Format, Ignored, Origin, SourceError, validation_message


def make_change(where: str, **fields: Any) -> ChangeRequest:
    """Build a ChangeRequest, turning a validation error into a SourceError naming the field."""
    try:
        return ChangeRequest(**fields)
    except ValidationError as exc:
        raise SourceError(f"{where}: {validation_message(exc)}") from None


class ChangeFormat(Format):
    """A change request written in hotgate's field names (see the ChangeRequest model)."""

    name = "change"

    def matches(self, record: Mapping[str, Any]) -> bool:
        """A record that says kind: change."""
        return record.get("kind") == "change"

    def records(self, document: Mapping[str, Any]) -> Iterable[Any] | None:
        """A document of the form {"kind": "changes", "requests": [...]}."""
        items = document.get("requests")
        if document.get("kind") == "changes" and isinstance(items, list):
            return items
        return None

    def to_issue(  # type: ignore[override]
        self, record: Mapping[str, Any], origin: Origin
    ) -> ChangeRequest | Ignored:
        """Validate the record as a ChangeRequest (the name is the interface's)."""
        del origin  # a change request's key is its own id, wherever it came from
        fields = dict(record)
        if isinstance(fields.get("id"), int):
            fields["id"] = str(fields["id"])  # YAML reads `id: 42` as a number
        if isinstance(fields.get("needed_by"), datetime):
            fields["needed_by"] = fields["needed_by"].date()
        return make_change(f"change {fields.get('id', '?')}", **fields)
