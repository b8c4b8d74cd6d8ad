"""Live trackers behind one interface: pull what changed, page by page, with a cursor to keep."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotgate.model import Issue
from hotgate.sources.base import (
    ENTRY_POINT_GROUP,
    Format,
    Ignored,
    Origin,
    Skipped,
    SourceError,
    parse_time,
)
from hotgate.sources.http import Answer, Transport
from hotgate.sources.reader import read_with

Item = Issue | Skipped | Ignored


class ConnectorSettings(BaseSettings):
    """Settings every connector shares; each reads its own HOTGATE_<TRACKER>_* variables."""

    model_config = SettingsConfigDict(extra="forbid")

    url: str = Field(default="", description="Base URL of the tracker's API.")
    token: SecretStr | None = Field(default=None, description="API token; never printed.")
    page_size: int = Field(default=100, ge=1, le=1000)
    timeout: float = Field(default=30.0, gt=0)
    attempts: int = Field(default=5, ge=1, le=20)
    max_wait: float = Field(default=900.0, ge=0, description="Longest wait for a rate limit, s.")


@dataclass(frozen=True)
class Page:
    """One page of a pull: its issues, and the cursor to save once they are stored."""

    items: list[Item]
    cursor: str | None

    @property
    def issues(self) -> list[Issue]:
        """The items that are issues."""
        return [item for item in self.items if isinstance(item, Issue)]


@dataclass(frozen=True)
class Request:
    """One page to ask a tracker for: a URL and its query parameters."""

    url: str
    params: dict[str, Any] | None = None


class Target(BaseModel):
    """What a source names on the command line: a project, maybe a query, maybe one issue."""

    model_config = ConfigDict(frozen=True)

    tracker: str
    project: str = ""
    url: str = ""
    query: dict[str, str] = Field(default_factory=dict)
    number: str | None = None


class Connector(ABC):
    """A live tracker: pull changed issues page by page, fetch one, and write decisions back."""

    name: ClassVar[str]
    settings_class: ClassVar[type[ConnectorSettings]] = ConnectorSettings

    def __init__(
        self,
        target: Target,
        settings: ConnectorSettings | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.target = target
        self.settings = settings or self.settings_class()
        transport = Transport(
            tracker=self.name,
            headers=self.auth_headers(),
            timeout=self.settings.timeout,
            attempts=self.settings.attempts,
            max_wait=self.settings.max_wait,
        )
        if sleep is not None:
            transport.sleep = sleep
        if clock is not None:
            transport.clock = clock
        self.http = transport

    @classmethod
    @abstractmethod
    def parse(cls, spec: str) -> Target:
        """Read the part of a source after `tracker:` (a project, query or one issue)."""

    def auth_headers(self) -> dict[str, str]:
        """Headers that carry the token; empty when there is none."""
        return {}

    @abstractmethod
    def pull(self, since: str | None = None) -> Iterator[Page]:
        """Issues changed since the cursor, oldest change first, one page at a time."""

    @abstractmethod
    def fetch(self, number: str) -> Item:
        """One issue by its number or key."""

    def post_comment(self, number: str, text: str) -> None:  # noqa: ARG002
        """Post a comment on an issue (write-back)."""
        raise SourceError(f"{self.name}: posting comments is not supported")

    def add_label(self, number: str, label: str) -> None:  # noqa: ARG002
        """Add a label to an issue (write-back)."""
        raise SourceError(f"{self.name}: adding labels is not supported")

    def comments(self, number: str) -> list[str]:  # noqa: ARG002
        """The text of an issue's comments, to find a decision already posted."""
        return []

    def origin(self) -> Origin:
        """Where this connector's issues come from, for stable keys."""
        return Origin(project=self.target.project or None)

    def paged(
        self,
        first: Request,
        listing: Listing,
        since: str | None,
        where: str,
    ) -> Iterator[Page]:
        """Read pages from the first request on, as the tracker's listing says, until the last."""
        request: Request | None = first
        cursor, number = since, 0
        while request is not None:
            number += 1
            answer = self.http.get(request.url, request.params)
            records = listing.records(answer)
            if not isinstance(records, list):
                raise SourceError(f"{where}: page {number} holds no list of issues")
            found = read_page(
                listing.fmt,
                records,
                f"{where} page {number}",
                self.origin(),
                cursor,
                listing.updated,
            )
            cursor = found.cursor
            yield found
            request = listing.following(answer, request, records)

    def close(self) -> None:
        """Release the HTTP connections."""
        self.http.close()


@dataclass(frozen=True)
class Listing:
    """How one tracker lists issues: the records of an answer, their format, the next page."""

    fmt: Format
    records: Callable[[Answer], Any]
    updated: Callable[[Mapping[str, Any]], Any]
    following: Callable[[Answer, Request, list[Any]], Request | None]


def read_page(
    fmt: Format,
    records: list[Any],
    label: str,
    origin: Origin,
    cursor: str | None,
    updated: Callable[[Mapping[str, Any]], Any],
) -> Page:
    """A page of records as items, the cursor moved to the latest update among them."""
    items = [read_with(fmt, r, f"{label} record {i}", origin) for i, r in enumerate(records, 1)]
    for record in records:
        if isinstance(record, Mapping):
            cursor = later_cursor(cursor, updated(record))
    return Page(items, cursor)


def later_cursor(current: str | None, seen: str | None) -> str | None:
    """The later of two ISO 8601 timestamps (both from the same tracker, so comparable)."""
    if not seen:
        return current
    if not current:
        return seen
    return seen if parse_time(seen) >= parse_time(current) else current  # type: ignore[operator]


@cache
def connectors() -> Mapping[str, type[Connector]]:
    """Every registered connector class by tracker name, loaded through entry points."""
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        loaded: Any = ep.load()
        if isinstance(loaded, type) and issubclass(loaded, Connector):
            found[loaded.name] = loaded
    return found
