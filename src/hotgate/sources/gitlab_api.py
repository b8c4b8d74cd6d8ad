"""GitLab's REST API (v4): a project's issues updated after a cursor, paged."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlparse

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
from hotgate.sources.github_api import following_link
from hotgate.sources.gitlab import GitLabFormat
from hotgate.sources.http import Answer
from hotgate.sources.reader import read_with

_PROJECT = re.compile(r"^([\w.-]+(?:/[\w.-]+)+)(?:#(\d+))?$")


def _following(answer: Answer, request: Request, records: list[Any]) -> Request | None:
    # The Link header when GitLab sends one; else its X-Next-Page (empty on the last page).
    following = following_link(answer, request, records)
    page = answer.headers.get("x-next-page", "").strip()
    if following is None and page:
        following = Request(request.url, {**(request.params or {}), "page": int(page)})
    return following


LISTING = Listing(
    fmt=GitLabFormat(),
    records=lambda answer: answer.data,
    updated=lambda record: record.get("updated_at"),
    following=_following,
)


class GitLabSettings(ConnectorSettings):
    """HOTGATE_GITLAB_URL, HOTGATE_GITLAB_TOKEN …"""

    model_config = SettingsConfigDict(env_prefix="HOTGATE_GITLAB_", extra="forbid")

    url: str = "https://gitlab.com"
    comments: bool = True


class GitLabConnector(Connector):
    """A GitLab project's issues."""

    name = "gitlab"
    settings_class = GitLabSettings

    @classmethod
    def parse(cls, spec: str) -> Target:
        """GROUP/PROJECT (subgroups allowed), or GROUP/PROJECT#N for one issue."""
        match = _PROJECT.match(spec.strip())
        if not match:
            raise SourceError(
                f"gitlab:{spec}: expected gitlab:GROUP/PROJECT or gitlab:GROUP/PROJECT#N"
            )
        return Target(tracker=cls.name, project=match.group(1), number=match.group(2))

    def auth_headers(self) -> dict[str, str]:
        """GitLab's PRIVATE-TOKEN header."""
        if self.settings.token is None:
            return {}
        return {"PRIVATE-TOKEN": self.settings.token.get_secret_value()}

    def _base(self) -> str:
        project = quote(self.target.project, safe="")
        return f"{self.settings.url.rstrip('/')}/api/v4/projects/{project}"

    def origin(self) -> Origin:
        """Keys name the project."""
        return Origin(host=urlparse(self.settings.url).hostname, project=self.target.project)

    def pull(self, since: str | None = None) -> Iterator[Page]:
        """Issues updated after `since`, oldest first, following the next-page headers."""
        params: dict[str, Any] = {
            "scope": "all",
            "order_by": "updated_at",
            "sort": "asc",
            "per_page": self.settings.page_size,
            "page": 1,
        }
        if since:
            params["updated_after"] = since
        first = Request(f"{self._base()}/issues", params)
        return self.paged(first, LISTING, since, f"gitlab:{self.target.project}")

    def fetch(self, number: str) -> Item:
        """One issue by its project-scoped number (iid), with its notes (first 100)."""
        answer = self.http.get(f"{self._base()}/issues/{number}")
        record = answer.data
        wanted = getattr(self.settings, "comments", False)
        if wanted and isinstance(record, Mapping) and record.get("user_notes_count"):
            found = self.http.get(f"{self._base()}/issues/{number}/notes", {"per_page": 100})
            if isinstance(found.data, list):
                record = {**record, "notes_data": found.data}
        return read_with(
            GitLabFormat(), record, f"gitlab:{self.target.project}#{number}", self.origin()
        )

    def post_comment(self, number: str, text: str) -> None:
        """Add a note to the issue."""
        self.http.request("POST", f"{self._base()}/issues/{number}/notes", json={"body": text})

    def add_label(self, number: str, label: str) -> None:
        """Add a label to the issue."""
        self.http.request("PUT", f"{self._base()}/issues/{number}", json={"add_labels": label})

    def comments(self, number: str) -> list[str]:
        """The bodies of the issue's notes (first 100)."""
        answer = self.http.get(f"{self._base()}/issues/{number}/notes", {"per_page": 100})
        return [str(n.get("body") or "") for n in answer.data or [] if isinstance(n, Mapping)]
