"""Notification tests run on SQLite and PostgreSQL, and post to an HTTP endpoint on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hotgate.store.fixtures import database_url, engine, migrated, session, sessions

from .endpoint import Endpoint, serving

__all__ = ["database_url", "endpoint", "engine", "migrated", "session", "sessions"]


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    """An endpoint on a free loopback port for apprise's json:// URLs."""
    with serving() as found:
        yield found
