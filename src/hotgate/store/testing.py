"""Fresh, migrated databases for tests: a SQLite file, or a new schema on a PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotgate.model import Decision, Issue
from hotgate.policy.schema import Policy
from hotgate.store.engine import upgrade
from hotgate.store.records import Action
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


# Bugs written for tests, one per verdict the default policy gives them.
SAMPLE_BUGS: dict[str, dict[str, Any]] = {
    "hotfix": {
        "title": "Checkout crashes for every user",
        "body": (
            "The app crashes on checkout for every user, on every page. There is no workaround."
        ),
        "labels": ["severity-critical"],
    },
    "no-hotfix": {
        "title": "Typo on the about page",
        "body": "A cosmetic typo in the footer text.",
        "labels": ["typo"],
    },
    "needs-info": {
        "title": "Gift card screen crashes",
        "body": "Opening the gift card screen crashes the app. No idea how many customers use it.",
        "labels": ["bug"],
    },
}
SAMPLE_DAY = date(2026, 11, 1)
# Past hotfixes record_troubled_history leaves: key number -> (component, review steps).
TROUBLED_HISTORY: dict[int, tuple[str, list[Action]]] = {
    101: ("checkout", ["approve", "deployed", "rolled-back"]),
    102: ("checkout", ["approve", "deployed", "verified", "regressed"]),
    103: ("search", ["approve", "deployed", "verified"]),
}


def sample_issue(
    number: int, kind: str = "hotfix", repo: str = "acme/shop", **changes: Any
) -> Issue:
    """A bug of the given kind (a key of SAMPLE_BUGS) with the key github:REPO#NUMBER."""
    fields = {**SAMPLE_BUGS[kind], **changes}
    return Issue(key=f"github:{repo}#{number}", source="github", **fields)


def sample_decisions(issues: list[Issue], next_release: date | None = None) -> list[Decision]:
    """Decide issues with the built-in policy as of SAMPLE_DAY."""
    from hotgate.policy.calendar import context_from_options
    from hotgate.service import decide_issues

    context = context_from_options(SAMPLE_DAY, next_release)
    return decide_issues(issues, builtin_policy(), context)


def record_troubled_history(session: Session) -> dict[str, int]:
    """Store TROUBLED_HISTORY's hotfixes with their reviews; returns the troubled per component.

    In checkout one hotfix was rolled back and one followed by a regression; in search one
    was verified and caused no trouble. Nothing is committed here.
    """
    from hotgate import store

    issues = [sample_issue(n, component=c) for n, (c, _) in TROUBLED_HISTORY.items()]
    store.upsert_issues(session, issues)
    store.record_decisions(session, sample_decisions(issues))
    for n, (_, actions) in TROUBLED_HISTORY.items():
        [decision], _ = store.list_decisions(session, key=f"github:acme/shop#{n}")
        assert decision.verdict == "hotfix", decision
        for action in actions:
            store.review(session, decision.id, action, "release manager")
    return {"checkout": 2}


@cache
def builtin_policy() -> Policy:
    """The built-in policy, loaded once."""
    from hotgate.policy.schema import load_policy

    return load_policy(None)
