"""The pages' tests: a real app on a real store, and a token for every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api import Settings, create_app
from hotgate.store.fixtures import database_url, engine, migrated, sessions

__all__ = ["database_url", "engine", "migrated", "sessions"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A loopback server's settings."""
    return Settings(database_url=database_url, host="127.0.0.1")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the pages (not following redirects, to see them)."""
    with TestClient(create_app(settings), follow_redirects=False) as made:
        yield made


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    """A token for every role, by role name."""
    made: dict[str, str] = {}
    with sessions.begin() as session:
        for role in store.ROLES:
            _, made[role] = store.create_token(session, f"{role.title()} Person", role)
    return made
