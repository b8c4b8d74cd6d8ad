"""pytest fixtures for tests on a real store: SQLite and PostgreSQL, empty tables per test.

Import the fixtures into a conftest.py:
`from hotgate.store.fixtures import database_url, engine, migrated, session, sessions`.
The PostgreSQL runs are skipped when the server is unreachable, except when the environment
variable CI is set, where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from functools import cache

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.store.testing import emptied, migrated_database, postgres_problem

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@cache
def _postgres_problem() -> str | None:
    return postgres_problem()


def require_backend(kind: str) -> None:
    """Skip a PostgreSQL test when the server is down, except under CI where it must run."""
    if kind != "postgres":
        return
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(f"PostgreSQL is unreachable under CI: {problem}")
    pytest.skip(f"PostgreSQL is unreachable: {problem}")


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole run, made on first use."""
    stack: list[AbstractContextManager[str]] = []
    folder = tmp_path_factory.mktemp("databases")

    class Templates(dict[str, str]):
        """Migrated databases by backend, each made when first asked for."""

        def __missing__(self, kind: str) -> str:
            context = migrated_database(kind, folder)
            stack.append(context)
            self[kind] = context.__enter__()
            return self[kind]

    yield Templates()
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, migrated: dict[str, str]) -> str:
    """An empty, migrated database on each backend (the same URL for every test)."""
    require_backend(request.param)
    return emptied(migrated[request.param])


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the empty database."""
    made = store.make_engine(database_url)
    yield made
    made.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory of the empty database."""
    return store.session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    with sessions() as opened:
        yield opened
        opened.rollback()
