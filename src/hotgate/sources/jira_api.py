"""Jira's REST API: Cloud `/rest/api/3/search/jql` (nextPageToken), Server `/rest/api/2/search`."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlparse

from pydantic_settings import SettingsConfigDict

from hotgate.sources.base import Origin, SourceError, parse_time
from hotgate.sources.connector import (
    Connector,
    ConnectorSettings,
    Item,
    Listing,
    Page,
    Request,
    Target,
)
from hotgate.sources.http import Answer
from hotgate.sources.jira import JiraFormat
from hotgate.sources.reader import read_with

_ORDER_BY = re.compile(r"\s+order\s+by\s+.*$", re.IGNORECASE | re.DOTALL)
_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-\d+$")


def jql_since(jql: str, since: str | None) -> str:
    """The search restricted to issues updated at or after the cursor, oldest first."""
    base = _ORDER_BY.sub("", jql).strip()
    clauses = [f"({base})"] if base else []
    if since:
        when = parse_time(since)
        if when is not None:
            # JQL takes minutes in the account's zone; the cursor keeps the offset Jira sent.
            clauses.append(f'updated >= "{_jql_time(when)}"')
    return " AND ".join(clauses) + " ORDER BY updated ASC"


def _jql_time(when: datetime) -> str:
    return when.strftime("%Y/%m/%d %H:%M")


def _issues(answer: Answer) -> Any:
    return answer.data.get("issues") if isinstance(answer.data, Mapping) else None


def _next_token(answer: Answer, request: Request, issues: list[Any]) -> Request | None:
    token = answer.data.get("nextPageToken")
    if not token or answer.data.get("isLast") or not issues:
        return None
    return Request(request.url, {**(request.params or {}), "nextPageToken": token})


def _next_offset(answer: Answer, request: Request, issues: list[Any]) -> Request | None:
    params = request.params or {}
    start = int(answer.data.get("startAt", params["startAt"])) + len(issues)
    if not issues or start >= int(answer.data.get("total", 0)):
        return None
    return Request(request.url, {**params, "startAt": start})


def _updated(record: Mapping[str, Any]) -> Any:
    """When a Jira issue last changed: its fields.updated."""
    fields = record.get("fields")
    return fields.get("updated") if isinstance(fields, Mapping) else None


CLOUD_LISTING = Listing(JiraFormat(), _issues, _updated, _next_token)
SERVER_LISTING = Listing(JiraFormat(), _issues, _updated, _next_offset)


class JiraSettings(ConnectorSettings):
    """HOTGATE_JIRA_TOKEN, HOTGATE_JIRA_EMAIL (Cloud), HOTGATE_JIRA_FLAVOUR …"""

    model_config = SettingsConfigDict(env_prefix="HOTGATE_JIRA_", extra="forbid")

    email: str | None = None
    flavour: Literal["auto", "cloud", "server"] = "auto"


class JiraConnector(Connector):
    """A Jira site's issues matching a JQL search."""

    name = "jira"
    settings_class = JiraSettings

    @classmethod
    def parse(cls, spec: str) -> Target:
        """https://SITE?jql=…, or one issue: https://SITE/browse/KEY-1 or https://SITE#KEY-1."""
        parsed = urlparse(spec.strip())
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise SourceError(
                f"jira:{spec}: expected jira:https://SITE?jql=… or jira:https://SITE#KEY-1"
            )
        path = parsed.path.rstrip("/")
        number = parsed.fragment or None
        if "/browse/" in path:
            path, number = path.split("/browse/", 1)
        if number and not _KEY.match(number):
            raise SourceError(f"jira:{spec}: {number!r} is not an issue key like PROJ-123")
        site = f"{parsed.scheme}://{parsed.netloc}{path}"
        return Target(
            tracker=cls.name, url=site, query=dict(parse_qsl(parsed.query)), number=number
        )

    @property
    def cloud(self) -> bool:
        """Whether to use the Cloud search (auto: sites on atlassian.net)."""
        settings = self.settings
        flavour = settings.flavour if isinstance(settings, JiraSettings) else "auto"
        if flavour == "auto":
            return (urlparse(self.target.url).hostname or "").endswith(".atlassian.net")
        return flavour == "cloud"

    def auth_headers(self) -> dict[str, str]:
        """Basic e-mail and API token on Cloud; a personal access token (Bearer) on Server."""
        token = self.settings.token
        email = getattr(self.settings, "email", None)
        if token is None:
            return {}
        if email:
            pair = f"{email}:{token.get_secret_value()}".encode()
            return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}
        return {"Authorization": f"Bearer {token.get_secret_value()}"}

    def origin(self) -> Origin:
        """Keys name the site."""
        return Origin(host=urlparse(self.target.url).hostname)

    def _api(self) -> str:
        return f"{self.target.url}/rest/api/{3 if self.cloud else 2}"

    def pull(self, since: str | None = None) -> Iterator[Page]:
        """Issues of the search updated since the cursor, in pages."""
        params: dict[str, Any] = {
            "jql": jql_since(self.target.query.get("jql", ""), since),
            "maxResults": self.settings.page_size,
            "fields": "*all",
        }
        if self.cloud:  # Cloud pages by token, Server and Data Center by offset
            first = Request(f"{self._api()}/search/jql", params)
            return self.paged(first, CLOUD_LISTING, since, "jira search")
        first = Request(f"{self._api()}/search", {**params, "startAt": 0})
        return self.paged(first, SERVER_LISTING, since, "jira search")

    def fetch(self, number: str) -> Item:
        """One issue by key."""
        data = self.http.get(f"{self._api()}/issue/{number}").data
        return read_with(JiraFormat(), data, f"jira:{number}", self.origin())

    def post_comment(self, number: str, text: str) -> None:
        """Comment on the issue (plain text on Server, a document on Cloud)."""
        body: Any = text
        if self.cloud:
            paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
            body = {"type": "doc", "version": 1, "content": [paragraph]}
        self.http.request("POST", f"{self._api()}/issue/{number}/comment", json={"body": body})

    def add_label(self, number: str, label: str) -> None:
        """Add a label to the issue."""
        update = {"update": {"labels": [{"add": label}]}}
        self.http.request("PUT", f"{self._api()}/issue/{number}", json=update)
