"""Fresh, migrated databases for tests: a SQLite file, or a new schema on a PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hotgate.store.engine import upgrade
from hotgate.store.tables import metadata

POSTGRES_URL_ENV = "HOTGATE_TEST_POSTGRES_URL"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The PostgreSQL server tests use ($HOTGATE_TEST_POSTGRES_URL, else the local one)."""
    return os.environ.get(POSTGRES_URL_ENV, POSTGRES_URL)


def postgres_problem(url: str | None = None) -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it answers."""
    engine = create_engine(url or postgres_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        return str(exc.orig or exc).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


@contextmanager
def migrated_database(kind: str, folder: Path, revision: str = "head") -> Iterator[str]:
    """A database of this kind (sqlite or postgres) migrated up to revision, dropped afterwards.

    On PostgreSQL it is a schema of its own (chosen through the connection's search_path),
    so parallel test processes never see each other's rows. An older revision makes a
    database as an earlier hotgate left it, to test the migrations that follow.
    """
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'hotgate-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url, revision)
        yield url
        return
    base = make_url(postgres_url())
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    with_schema = base.update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = with_schema.render_as_string(hide_password=False)
    try:
        upgrade(rendered, revision)
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def emptied(template: str) -> str:
    """The URL of an empty copy of a migrated database, the same URL every time.

    SQLite: the template file copied over a working file beside it; PostgreSQL: the
    template's schema with every table truncated. Much quicker than migrating again for
    every test, and a server made on that URL can serve test after test.
    """
    if template.startswith("sqlite:///"):
        source = Path(template.removeprefix("sqlite:///"))
        work = source.with_name(source.stem + "-work.db")
        for leftover in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(source, work)
        return f"sqlite:///{work}"
    engine = create_engine(template)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        # TRUNCATE fires no row trigger, so it also empties the append-only audit log
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return template
