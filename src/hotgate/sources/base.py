"""The one interface every tracker format implements, and the registry that finds them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

import polars as pl
from pydantic import ValidationError

from hotgate.model import Issue
from hotgate.policy.rules import first_error

ENTRY_POINT_GROUP = "hotgate.sources"


class SourceError(ValueError):
    """Input that cannot be read at all; the message names the file and the problem."""


@dataclass(frozen=True)
class Skipped:
    """A record that was left out, with where it was and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Ignored:
    """A record that is not a subject for hotgate (a pull request, say); not an error."""

    where: str
    reason: str


class Format(ABC):
    """A tracker's record format: recognise it, unwrap its pages, read a record into an Issue."""

    name: ClassVar[str]
    # The raw fields the columnar path reads, with their types; others are not parsed at all.
    raw_schema: ClassVar[dict[str, pl.DataType] | None] = None

    @abstractmethod
    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether a single record (not a page) is in this format."""

    def records(self, document: Mapping[str, Any]) -> Iterable[Any] | None:  # noqa: ARG002
        """The records inside a page of this format, or None when the document is no page."""
        return None

    @abstractmethod
    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """Read one record into an Issue, or say why it is not a subject."""

    def frame(self, raw: pl.DataFrame, origin: Origin) -> pl.DataFrame | None:  # noqa: ARG002
        """Map a chunk of raw records to issue columns at once; None: read them one by one."""
        return None


class FileFormat(Format):
    """A whole-file format (CSV, XML) read as a stream of records rather than one document."""

    @abstractmethod
    def sniff(self, path: str, head: bytes) -> bool:
        """Whether a file, judged by its name and first bytes, is in this format."""

    @abstractmethod
    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every record of the file, one at a time, so memory stays flat on any size."""

    def matches(self, record: Mapping[str, Any]) -> bool:  # noqa: ARG002
        """File formats are chosen by sniffing the file, never by a single JSON record."""
        return False

    def guarded(
        self, record: Mapping[str, Any], origin: Origin, where: str
    ) -> Issue | Skipped | Ignored:
        """One record as an Issue, or Skipped naming where it stands and what is wrong."""
        try:
            return self.to_issue(record, origin)
        except SourceError as exc:
            return Skipped(where, str(exc).removeprefix("record "))
        except ValueError as exc:
            return Skipped(where, str(exc))


@dataclass(frozen=True)
class Origin:
    """What is known about where records came from, for building stable keys."""

    host: str | None = None
    project: str | None = None


@cache
def formats() -> tuple[Format, ...]:
    """Every registered format, the built-in ones first, loaded through entry points."""
    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name != "hotgate")
    # The group also holds live connectors; only record formats are built here.
    loaded = [ep.load() for ep in found]
    return tuple(cls() for cls in loaded if isinstance(cls, type) and issubclass(cls, Format))


def format_named(name: str) -> Format:
    """The registered format with this name."""
    for fmt in formats():
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in formats())
    raise SourceError(f"unknown format {name!r} (known: {known})")


def detect(record: Mapping[str, Any]) -> Format | None:
    """The first registered format that recognises a record."""
    return next((fmt for fmt in formats() if fmt.matches(record)), None)


def validation_message(exc: ValidationError) -> str:
    """One line from a pydantic error, naming the field."""
    place, message = first_error(exc)
    return f"field {place or 'record'!r}: {message}"


def make_issue(where: str, **fields: Any) -> Issue:
    """Build an Issue, turning a validation error into a SourceError that names the field."""
    try:
        return Issue(**fields)
    except ValidationError as exc:
        raise SourceError(f"{where}: {validation_message(exc)}") from None


NO_SUMMARY = "(no summary)"


def summary_of(value: Any) -> str:
    """A tracker record's title; trackers allow an empty one, which still names a real bug."""
    text = str(value).strip() if value is not None else ""
    return text or NO_SUMMARY


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
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":" and "T" in text:
        text = text[:-2] + ":" + text[-2:]  # Jira sends +0000
    return datetime.fromisoformat(text)


def names(items: Any, field: str = "name") -> list[str]:
    """The names of a list of objects (labels, components, versions) or strings."""
    out: list[str] = []
    for item in items or []:
        value = item.get(field) if isinstance(item, Mapping) else item
        if value:
            out.append(str(value))
    return out
