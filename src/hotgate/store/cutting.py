"""Text the store keeps is capped: a long field is cut, says so, and keeps its full length.

A tracker (or a caller of the API) can send a title of megabytes; the store keeps the first
part of it, followed by a note such as "… [cut: 34,000,000 characters in all]", so pages and
answers built from it stay small while a reader still sees that, and how much, was left out.
NUL characters, which PostgreSQL cannot store in text, are kept as U+FFFD.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

# Titles are one line on the pages (trackers allow 255-256 characters).
TITLE_LIMIT = 1_000
# A description or a comment: GitHub allows 65,536 characters, Jira 32,767.
TEXT_LIMIT = 100_000
# Any other text: a label, a name, a URL, an excerpt, a reason.
FIELD_LIMIT = 2_000
# Fields that hold long text by nature, by name.
LONG_FIELDS = frozenset({"body", "description", "text", "reason"})


def cut(text: str, limit: int) -> str:
    """The text itself when it fits in limit characters, else its start and a note of its length."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text):,} characters in all]"


def fit(text: str | None, size: int) -> str | None:
    """Text for a column of at most size characters: cut short, with no note (it is a label)."""
    return None if text is None else text.replace("\x00", "\ufffd")[:size]


def limit_for(field: str) -> int:
    """How many characters the store keeps of a field, by its name."""
    if field == "title":
        return TITLE_LIMIT
    return TEXT_LIMIT if field in LONG_FIELDS else FIELD_LIMIT


def cut_document(value: Any, cuts: dict[str, int], place: str = "") -> Any:
    """A JSON-like document with every long text cut; cuts gets each cut field's full length.

    cuts maps the field's place ("subject.title", "comments.3.text") to its length before
    the cut, so a reader can say how much was left out.
    """
    if isinstance(value, str):
        limit = limit_for(place.rsplit(".", 1)[-1])
        if len(value) > limit:
            cuts[place] = len(value)
        return cut(value, limit)
    if isinstance(value, Mapping):
        return {
            k: cut_document(v, cuts, f"{place}.{k}" if place else str(k)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [cut_document(v, cuts, f"{place}.{i}") for i, v in enumerate(value)]
    return value


def cut_json(document: Mapping[str, Any]) -> bytes:
    """The document as JSON (orjson) as cut_document keeps it, with `cut` added when it cut.

    `cut` maps each cut field's place to its full length. Most documents hold no long text and
    no NUL; they are encoded as they are, without walking them (a bulk run records 100,000).
    """
    encoded = orjson.dumps(document)
    if b"\\u0000" not in encoded and _longest_string(encoded) <= TITLE_LIMIT:
        return encoded
    cuts: dict[str, int] = {}
    kept = cut_document(document, cuts)
    if cuts:
        kept["cut"] = cuts
    return orjson.dumps(kept)


def _longest_string(encoded: bytes) -> int:
    """At least the length in characters of the longest text in a JSON document.

    Escaped backslashes and quotes are blanked to two bytes that are not a quote, so the runs
    between quotes are the strings (and the structure between them). A run counts bytes, never
    fewer than the characters it holds: an escape or a non-ASCII character takes more.
    """
    plain = encoded.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    return max(len(run) for run in plain.split(b'"'))
