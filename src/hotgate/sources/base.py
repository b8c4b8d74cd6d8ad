"""The one interface every tracker format implements, and the registry that finds them."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

import polars as pl
from pydantic import ValidationError

from hotgate.model import Issue
from hotgate.policy.definition.rules import first_error
from hotgate.sources.fields import (
    MAINTAINER_ASSOCIATIONS,
    NO_SUMMARY,
    SourceError,
    comment_role,
    count_of,
    list_of,
    login_of,
    mapping_of,
    names,
    number_of,
    optional_text,
    parse_time,
    plain_text,
    summary_of,
    text_of,
    time_of,
)

# A source that names a live tracker: `github:OWNER/REPO`, `jira:https://SITE?jql=…` (a URL
# scheme's `://` is a file or link, not a tracker). The tracker's name is group 1.
TRACKER_SPEC = re.compile(r"^([a-z][a-z0-9_-]*):(?!//)(.+)$")

ENTRY_POINT_GROUP = "hotgate.sources"
__all__ = [
    "MAINTAINER_ASSOCIATIONS",
    "NO_SUMMARY",
    "FileFormat",
    "Format",
    "Ignored",
    "Origin",
    "Skipped",
    "SourceError",
    "comment_role",
    "count_of",
    "detect",
    "format_named",
    "formats",
    "list_of",
    "login_of",
    "make_issue",
    "mapping_of",
    "names",
    "number_of",
    "optional_text",
    "parse_time",
    "plain_text",
    "summary_of",
    "text_of",
    "time_of",
    "validation_message",
]


@dataclass(frozen=True)
class Skipped:
    """A record that was left out, with where it was and why; `whole_file` when a file of a
    folder could not be read at all."""

    where: str
    reason: str
    whole_file: bool = False

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

    def frame(
        self,
        raw: pl.DataFrame,  # noqa: ARG002
        origin: Origin,  # noqa: ARG002
        data: bytes,  # noqa: ARG002
    ) -> pl.DataFrame | None:
        """Map a chunk of raw records (parsed from the JSON Lines `data`) to issue columns at
        once; None: read them one by one."""
        return None


class FileFormat(Format):
    """A whole-file format (CSV, XML) read as a stream of records rather than one document."""

    @abstractmethod
    def sniff(self, path: str, head: bytes) -> bool:
        """Whether a file, judged by its name and first bytes, is in this format."""

    @abstractmethod
    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every record of the file, one at a time, so memory stays flat on any size."""

    def read_as(self, path: str, label: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """read(), with records and errors named by `label` (`<stdin>`) rather than the path."""
        if label == path:
            yield from self.read(path, origin)
            return
        try:
            for item in self.read(path, origin):
                if isinstance(item, Skipped | Ignored) and item.where.startswith(path):
                    item = type(item)(label + item.where.removeprefix(path), item.reason)
                yield item
        except SourceError as exc:
            raise SourceError(str(exc).replace(path, label)) from None

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
            return Skipped(where, str(exc).removeprefix("record: ").removeprefix("record "))
        except ValueError as exc:
            return Skipped(where, str(exc))
        except (KeyError, TypeError, AttributeError) as exc:
            return Skipped(where, f"{self.name} record is malformed ({type(exc).__name__})")


@dataclass(frozen=True)
class Origin:
    """What is known about where records came from, for building stable keys."""

    host: str | None = None
    project: str | None = None
    # A column mapping for exports of trackers hotgate does not know: (field, column) pairs.
    columns: tuple[tuple[str, str], ...] | None = None


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
