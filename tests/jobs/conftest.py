"""A fresh database for each jobs test: a SQLite file, or a new PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hotgate import store
from hotgate.store.fixtures import require_backend

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@pytest.fixture
def sqlite_database(tmp_path: Path) -> str:
    """A new, migrated SQLite file."""
    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    store.upgrade(url)
    return url


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, migrated PostgreSQL database of its own (the queue's tables included)."""
    require_backend("postgres")  # skips when the server is down, fails under CI
    name = f"hotgate_jobs_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    store.upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
