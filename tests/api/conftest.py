"""The API's tests: a real app on a real store (SQLite and PostgreSQL), tokens for every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_payloads import SECRETS
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api import Settings, create_app
from hotgate.store.fixtures import database_url, engine, migrated, sessions

__all__ = ["database_url", "engine", "migrated", "sessions"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Loopback settings with every webhook enabled."""
    return Settings(database_url=database_url, host="127.0.0.1", **SECRETS)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def clients() -> Iterator[dict[str, TestClient]]:
    """One running app per database URL for the whole run (its tables are emptied per test)."""
    made: dict[str, TestClient] = {}
    yield made
    for client in made.values():
        client.__exit__(None, None, None)


@pytest.fixture
def client(settings: Settings, clients: dict[str, TestClient]) -> TestClient:
    """A client of the app on the empty database (the app migrates the store on start)."""
    url = settings.url()
    if url not in clients:
        clients[url] = TestClient(create_app(settings)).__enter__()
    # the tables were just emptied: assess must not reuse counts read from an earlier test's rows
    clients[url].app.state.area_trouble.clear()
    return clients[url]


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    """A token for every role, by role name."""
    made: dict[str, str] = {}
    with sessions.begin() as session:
        for role in store.ROLES:
            _, made[role] = store.create_token(session, f"{role} person", role)
    return made


@pytest.fixture
def headers(tokens: dict[str, str]) -> dict[str, dict[str, str]]:
    """Request headers for every kind of caller: each role, nobody, and a made-up token."""
    made = {role: {"Authorization": f"Bearer {secret}"} for role, secret in tokens.items()}
    made["anonymous"] = {}
    made["bad-token"] = {"Authorization": "Bearer hg_not-a-real-token"}
    return made
