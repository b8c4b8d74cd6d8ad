"""GitHub's REST API: a repository's issues changed since a cursor, paged by Link headers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic_settings import SettingsConfigDict

from hotgate.sources.base import Origin, SourceError
from hotgate.sources.connector import (
    Connector,
    ConnectorSettings,
    Item,
    Listing,
    Page,
    Request,
    Target,
)
from hotgate.sources.github import GitHubFormat
from hotgate.sources.http import Answer
from hotgate.sources.reader import read_with

_PROJECT = re.compile(r"^([\w.-]+/[\w.-]+)(?:#(\d+))?$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


def next_link(headers: Mapping[str, str]) -> str | None:
    """The `rel="next"` URL of a Link header, or None on the last page."""
    match = _NEXT.search(headers.get("link", ""))
    return match.group(1) if match else None


def following_link(answer: Answer, _request: Request, _records: list[Any]) -> Request | None:
    """The next page is the Link header's `rel="next"` URL, which carries its own query."""
    link = next_link(answer.headers)
    return Request(link) if link else None


LISTING = Listing(
    fmt=GitHubFormat(),
    records=lambda answer: answer.data,
    updated=lambda record: record.get("updated_at"),
    following=following_link,
)


class GitHubSettings(ConnectorSettings):
    """HOTGATE_GITHUB_URL, HOTGATE_GITHUB_TOKEN, HOTGATE_GITHUB_PAGE_SIZE …"""

    model_config = SettingsConfigDict(env_prefix="HOTGATE_GITHUB_", extra="forbid")

    url: str = "https://api.github.com"
    comments: bool = True


class GitHubConnector(Connector):
    """A GitHub repository's issues (pull requests are left out)."""

    name = "github"
    settings_class = GitHubSettings

    @classmethod
    def parse(cls, spec: str) -> Target:
        """OWNER/REPO, or OWNER/REPO#N for one issue."""
        match = _PROJECT.match(spec.strip())
        if not match:
            raise SourceError(f"github:{spec}: expected github:OWNER/REPO or github:OWNER/REPO#N")
        return Target(tracker=cls.name, project=match.group(1), number=match.group(2))

    def auth_headers(self) -> dict[str, str]:
        """A bearer token and the API version GitHub asks clients to name."""
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if self.settings.token is not None:
            headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        return headers

    def _base(self) -> str:
        return f"{self.settings.url.rstrip('/')}/repos/{self.target.project}"

    def origin(self) -> Origin:
        """Keys name the repository."""
        return Origin(host="github.com", project=self.target.project)

    def _item(self, record: Any, where: str) -> Item:
        return read_with(GitHubFormat(), record, where, self.origin())

    def pull(self, since: str | None = None) -> Iterator[Page]:
        """Issues updated at or after `since`, oldest first; the cursor is the last update seen."""
        params: dict[str, Any] = {
            "state": "all",
            "sort": "updated",
            "direction": "asc",
            "per_page": self.settings.page_size,
        }
        if since:
            params["since"] = since
        first = Request(f"{self._base()}/issues", params)
        return self.paged(first, LISTING, since, f"github:{self.target.project}")

    def fetch(self, number: str) -> Item:
        """One issue by number, with its comments (first 100) unless settings say not."""
        answer = self.http.get(f"{self._base()}/issues/{number}")
        record = answer.data
        wanted = getattr(self.settings, "comments", False)
        if wanted and isinstance(record, Mapping) and record.get("comments"):
            # The comments with their authors and author_association (OWNER, MEMBER …).
            found = self.http.get(f"{self._base()}/issues/{number}/comments", {"per_page": 100})
            if isinstance(found.data, list):
                record = {**record, "comments_data": found.data}
        return self._item(record, f"github:{self.target.project}#{number}")

    def post_comment(self, number: str, text: str) -> None:
        """Comment on the issue."""
        self.http.request("POST", f"{self._base()}/issues/{number}/comments", json={"body": text})

    def add_label(self, number: str, label: str) -> None:
        """Add a label to the issue (GitHub creates it when missing)."""
        self.http.request(
            "POST", f"{self._base()}/issues/{number}/labels", json={"labels": [label]}
        )

    def comments(self, number: str) -> list[str]:
        """The bodies of the issue's comments (first 100)."""
        answer = self.http.get(f"{self._base()}/issues/{number}/comments", {"per_page": 100})
        return [str(c.get("body") or "") for c in answer.data or [] if isinstance(c, Mapping)]
