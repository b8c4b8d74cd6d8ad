"""Reading one field of a tracker record: text, numbers, counts, times, names and authors.

Each helper refuses a value of the wrong kind with a SourceError that names the field, so a
malformed record is skipped with a reason a person can act on, never read as something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any


class SourceError(ValueError):
    """Input that cannot be read at all; the message names the file and the problem."""


NO_SUMMARY = "(no summary)"


def summary_of(value: Any, field: str = "title") -> str:
    """A tracker record's title; trackers allow an empty one, which still names a real bug.

    A title that is an object or a list is no title: SourceError names the field.
    """
    if isinstance(value, Mapping | list):
        raise SourceError(f"record: field {field!r}: expected text, got {_kind(value)}")
    text = _scalar(value).strip() if value is not None else ""
    return text or NO_SUMMARY


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, list) else type(value).__name__


def plain_text(value: Any, field: str) -> str:
    """A text field (a body, a state) that may be missing; an object or list is refused."""
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        raise SourceError(f"record: field {field!r}: expected text, got {_kind(value)}")
    return _scalar(value)


def _scalar(value: Any) -> str:
    # JSON's spelling of true and false, as the columnar path (polars) writes them too
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def optional_text(value: Any, field: str) -> str | None:
    """Like plain_text, with None for a missing or empty value."""
    return plain_text(value, field).strip() or None


def number_of(value: Any, field: str) -> int:
    """An issue's number or a bug's id: an integer, or text of digits; anything else is refused."""
    if isinstance(value, bool) or value is None:
        raise SourceError(f"record: field {field!r}: expected a number, got {value!r}")
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    raise SourceError(f"record: field {field!r}: expected a number, got {value!r}")


def count_of(value: Any, field: str) -> int:
    """A count (votes, comments): missing is 0; a negative, fractional or text value is refused."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise SourceError(f"record: field {field!r}: expected a count, got {value!r}")
    text = str(value).strip()
    if not (text.isdigit() and text.isascii()):
        raise SourceError(f"record: field {field!r}: expected a count, got {value!r}")
    return int(text)


def time_of(value: Any, field: str) -> datetime | None:
    """parse_time, with a SourceError naming the field when the value is no timestamp."""
    if isinstance(value, Mapping | list | bool | int | float):
        raise SourceError(f"record: field {field!r}: expected a timestamp, got {value!r}")
    try:
        return parse_time(value)
    except ValueError:
        raise SourceError(f"record: field {field!r}: {value!r} is not a timestamp") from None


def mapping_of(value: Any, field: str) -> Mapping[str, Any]:
    """An optional object field (reactions, votes): missing is empty; a non-object is refused."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SourceError(f"record: field {field!r}: expected an object, got {_kind(value)}")
    return value


def list_of(value: Any, field: str) -> list[Any]:
    """An optional list field (labels, comments): missing is empty; a non-list is refused."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceError(f"record: field {field!r}: expected a list, got {_kind(value)}")
    return value


# Atlassian document nodes whose children are runs of one line of text.
_INLINE_BLOCKS = {"paragraph", "heading", "codeBlock"}


def text_of(value: Any) -> str:
    """Plain text from a string, None, or an Atlassian document (Jira Cloud's rich text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if value.get("type") == "text":
            return str(value.get("text", ""))
        parts = [text_of(child) for child in value.get("content", []) or []]
        if value.get("type") in _INLINE_BLOCKS:  # runs of text (plain, bold, a link) in one line
            return "".join(parts)
        return "\n".join(p for p in parts if p)
    if isinstance(value, list):
        return "\n".join(text_of(v) for v in value)
    return str(value)


def parse_time(value: Any) -> datetime | None:
    """A timestamp from ISO 8601 text as trackers send it; None when empty."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if len(text) < 10 or not text[:4].isdigit():
        raise ValueError(f"{value!r} is not an ISO 8601 time")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
        text = text[:-2] + ":" + text[-2:]  # Jira sends +0000
    return datetime.fromisoformat(text)


def names(items: Any, field: str = "name", where: str = "labels") -> list[str]:
    """The names of a list of objects (labels, components, versions) or strings."""
    out: list[str] = []
    for item in list_of(items, where):
        value = item.get(field) if isinstance(item, Mapping) else item
        if isinstance(value, Mapping | list):
            raise SourceError(f"record: field {where!r}: expected names, got {_kind(value)}")
        if value is not None and value != "":
            out.append(_scalar(value))
    return out


MAINTAINER_ASSOCIATIONS = {"OWNER", "MEMBER", "COLLABORATOR"}


def comment_role(
    author: str | None,
    reporter: str | None = None,
    maintainers: Iterable[str | None] = (),
    association: str | None = None,
) -> str:
    """maintainer, reporter or other: by the tracker's association, else who the author is."""
    if association and association.upper() in MAINTAINER_ASSOCIATIONS:
        return "maintainer"
    if author and author in {m for m in maintainers if m}:
        return "maintainer"
    if author and reporter and author == reporter:
        return "reporter"
    return "other"


def login_of(user: Any, *fields: str) -> str | None:
    """A person's name from a user object (login, username, name …) or plain text."""
    if isinstance(user, str):
        return user or None
    if isinstance(user, Mapping):
        for field in fields or ("login", "username", "name"):
            value = user.get(field)
            if isinstance(value, str) and value:
                return value
    return None
