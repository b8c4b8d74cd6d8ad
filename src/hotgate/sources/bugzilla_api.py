"""Bugzilla's REST API: `/rest/bug` with `last_change_time`, `limit` and `offset`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlparse

from pydantic_settings import SettingsConfigDict

from hotgate.sources.base import Origin, SourceError
from hotgate.sources.bugzilla import BugzillaFormat
from hotgate.sources.connector import (
    Connector,
    ConnectorSettings,
    Item,
    Listing,
    Page,
    Request,
    Target,
)
from hotgate.sources.http import Answer, ConnectorError
from hotgate.sources.reader import read_with


def _checked(data: Any) -> Any:
    """A Bugzilla answer, unless it reports a failure."""
    if isinstance(data, Mapping) and data.get("error"):
        # Bugzilla reports some failures as {"error": true, "message": …} with any status.
        raise ConnectorError(f"bugzilla: {data.get('message') or 'the tracker reported an error'}")
    return data


class BugzillaSettings(ConnectorSettings):
    """HOTGATE_BUGZILLA_TOKEN (an API key), HOTGATE_BUGZILLA_COMMENTS …"""

    model_config = SettingsConfigDict(env_prefix="HOTGATE_BUGZILLA_", extra="forbid")

    comments: bool = True


class BugzillaConnector(Connector):
    """A Bugzilla's bugs matching a search (product, component …)."""

    name = "bugzilla"
    settings_class = BugzillaSettings

    @classmethod
    def parse(cls, spec: str) -> Target:
        """https://HOST?product=…, or one bug: https://HOST#N or …/show_bug.cgi?id=N."""
        parsed = urlparse(spec.strip())
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise SourceError(
                f"bugzilla:{spec}: expected bugzilla:https://HOST?product=… or bugzilla:https://HOST#N"
            )
        query = dict(parse_qsl(parsed.query))
        path = parsed.path
        number = parsed.fragment or None
        if path.endswith("show_bug.cgi"):
            path, number = path.removesuffix("show_bug.cgi"), query.pop("id", None)
        if number is not None and not number.isdigit():
            raise SourceError(f"bugzilla:{spec}: {number!r} is not a bug number")
        site = f"{parsed.scheme}://{parsed.netloc}{path.rstrip('/')}"
        return Target(tracker=cls.name, url=site, query=query, number=number)

    def auth_headers(self) -> dict[str, str]:
        """The API key header (never a query parameter, so it stays out of logs)."""
        if self.settings.token is None:
            return {}
        return {"X-BUGZILLA-API-KEY": self.settings.token.get_secret_value()}

    def origin(self) -> Origin:
        """Keys name the host."""
        return Origin(host=urlparse(self.target.url).hostname)

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return _checked(self.http.get(f"{self.target.url}/rest/{path}", params).data)

    def _with_comments(self, bugs: list[Any]) -> list[Any]:
        ids = [b["id"] for b in bugs if isinstance(b, Mapping) and "id" in b]
        if not ids or not getattr(self.settings, "comments", False):
            return bugs
        data = self._get(f"bug/{ids[0]}/comment", {"ids": ids[1:]} if len(ids) > 1 else None)
        found = data.get("bugs", {}) if isinstance(data, Mapping) else {}
        out = []
        for bug in bugs:
            entry = found.get(str(bug.get("id"))) if isinstance(bug, Mapping) else None
            comments = entry.get("comments") if isinstance(entry, Mapping) else None
            out.append({**bug, "comments": comments} if comments else bug)
        return out

    def pull(self, since: str | None = None) -> Iterator[Page]:
        """Bugs changed at or after the cursor, oldest change first, `limit` at a time."""
        params: dict[str, Any] = {
            **self.target.query,
            "order": "changeddate",
            "limit": self.settings.page_size,
            "offset": 0,
        }
        if since:
            params["last_change_time"] = since
        listing = Listing(
            fmt=BugzillaFormat(),
            records=self._bugs,
            updated=lambda bug: bug.get("last_change_time"),
            following=self._following,
        )
        return self.paged(
            Request(f"{self.target.url}/rest/bug", params), listing, since, "bugzilla"
        )

    def _bugs(self, answer: Answer) -> Any:
        data = _checked(answer.data)
        bugs = data.get("bugs") if isinstance(data, Mapping) else None
        return self._with_comments(bugs) if isinstance(bugs, list) else None

    def _following(self, _answer: Answer, request: Request, bugs: list[Any]) -> Request | None:
        # A short page is the last; offsets count bugs, so no bug is skipped or read twice.
        params = request.params or {}
        if len(bugs) < self.settings.page_size:
            return None
        return Request(request.url, {**params, "offset": params["offset"] + len(bugs)})

    def fetch(self, number: str) -> Item:
        """One bug by number, with its comments."""
        data = self._get(f"bug/{number}")
        bugs = data.get("bugs") if isinstance(data, Mapping) else None
        if not bugs:
            raise ConnectorError(f"bugzilla: bug {number} not found")
        return read_with(
            BugzillaFormat(), self._with_comments(bugs)[0], f"bugzilla#{number}", self.origin()
        )

    def post_comment(self, number: str, text: str) -> None:
        """Comment on the bug."""
        self.http.request(
            "POST", f"{self.target.url}/rest/bug/{number}/comment", json={"comment": text}
        )

    def add_label(self, number: str, label: str) -> None:
        """Add a keyword to the bug (the keyword must exist on the site)."""
        update = {"keywords": {"add": [label]}}
        self.http.request("PUT", f"{self.target.url}/rest/bug/{number}", json=update)
