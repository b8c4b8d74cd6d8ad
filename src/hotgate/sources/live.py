"""Sources named on the command line: `github:OWNER/REPO`, `jira:https://SITE?jql=…` and so on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from hotgate.sources.base import TRACKER_SPEC, SourceError
from hotgate.sources.connector import Connector, ConnectorSettings, Item, Target, connectors


def live_tracker(spec: str) -> str | None:
    """The tracker a source names (`github` for `github:OWNER/REPO`), or None for a file."""
    match = TRACKER_SPEC.match(spec)
    if not match or Path(spec).exists():
        return None
    return match.group(1) if match.group(1) in connectors() else None


def open_connector(
    spec: str,
    settings: ConnectorSettings | None = None,
    sleep: Callable[[float], None] | None = None,
) -> tuple[Connector, Target]:
    """The connector for a source, and what it names."""
    tracker, _, rest = spec.partition(":")
    classes = connectors()
    if tracker not in classes:
        known = ", ".join(sorted(classes))
        raise SourceError(f"{spec}: unknown tracker {tracker!r} (known: {known})")
    cls = classes[tracker]
    target = cls.parse(rest)
    return cls(target, settings, sleep=sleep), target


def live_items(spec: str) -> Iterator[Item]:
    """Every issue a source names: one issue, or all of a project's, page by page."""
    connector, target = open_connector(spec)
    try:
        if target.number is not None:
            yield connector.fetch(target.number)
            return
        for page in connector.pull(None):
            yield from page.items
    finally:
        connector.close()
