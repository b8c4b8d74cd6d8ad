"""The migrations build exactly the tables the code uses, and upgrading twice is harmless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from hotgate import store
from hotgate.store.engine import HEAD, alembic_config
from hotgate.store.tables import metadata


def test_head_names_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


def test_the_migrated_schema_matches_the_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_every_table_exists(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert names >= {
        "issues",
        "decisions",
        "reviews",
        "change_requests",
        "releases",
        "api_tokens",
        "audit_log",
        "sync_state",
        "alembic_version",
    }


def test_upgrading_again_is_harmless(database_url: str, engine: Engine) -> None:
    assert store.is_current(engine)
    store.upgrade(database_url)
    assert store.is_current(engine)


def test_a_new_sqlite_file_is_made_with_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deeper' / 'hotgate.db'}"
    engine = store.make_engine(url)
    assert not (tmp_path / "deeper").exists()
    store.upgrade(url)
    assert store.is_current(engine)
    engine.dispose()


def test_runs_starting_together_on_a_new_database_all_get_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    script = "import sys; from hotgate import service; service.open_store(sys.argv[1]).dispose()"
    runs = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    failures = [run.stderr.read().decode() for run in runs if run.wait(timeout=120) != 0]  # type: ignore[union-attr]
    assert failures == []
    engine = store.make_engine(url)
    assert store.is_current(engine)
    engine.dispose()
