"""The store's tests run on SQLite and on the real PostgreSQL server, each test on empty tables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.store.testing import emptied, migrated_database, postgres_problem

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def require_backend(kind: str) -> None:
    """Skip a PostgreSQL test when the server is down, except under CI where it must run."""
    if kind != "postgres":
        return
    problem = postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"PostgreSQL is unreachable under CI: {problem}")
    pytest.skip(f"PostgreSQL is unreachable: {problem}")


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole run, made on first use."""
    made: dict[str, str] = {}
    stack: list[object] = []
    folder = tmp_path_factory.mktemp("databases")

    class Templates(dict[str, str]):
        def __missing__(self, kind: str) -> str:
            context = migrated_database(kind, folder)
            stack.append(context)
            self[kind] = context.__enter__()
            return self[kind]

    templates = Templates(made)
    yield templates
    for context in reversed(stack):
        context.__exit__(None, None, None)  # type: ignore[attr-defined]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, migrated: dict[str, str], tmp_path: Path) -> str:
    """An empty, migrated database on each backend."""
    require_backend(request.param)
    return emptied(migrated[request.param], tmp_path)


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
