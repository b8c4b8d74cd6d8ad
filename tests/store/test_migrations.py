"""The migrations build exactly the tables the code uses, bring old databases up, run twice."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect
from typer.testing import CliRunner

from hotgate import store
from hotgate.store.engine import HEAD, alembic_config
from hotgate.store.fixtures import BACKENDS, require_backend
from hotgate.store.records import now
from hotgate.store.tables import api_tokens, metadata
from hotgate.store.testing import migrated_database
from hotgate.store.tokens import token_hash
from samples import sample_decisions, sample_issue


def test_head_names_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD


# Neither dialect reflects the index on coalesce(final_verdict, verdict); the queue's plan test
# below shows it is there and used.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_schema_matches_the_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _ours})
        differences = compare_metadata(context, metadata)
    assert differences == []


def _ours(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Everything but the task queue's own tables (procrastinate's schema, on PostgreSQL)."""
    table = name if kind == "table" else getattr(getattr(item, "table", None), "name", "")
    return not (table or "").startswith("procrastinate_")


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


def _db_upgrade(url: str) -> None:
    from hotgate.cli import app

    result = CliRunner().invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0, result.output


def _server_start(url: str) -> None:
    from hotgate.api import Settings, create_app

    with TestClient(create_app(Settings(database_url=url))) as client:
        assert client.get("/healthz").status_code == 200


UPGRADES: dict[str, Callable[[str], None]] = {
    "store.upgrade": store.upgrade,
    "hotgate db upgrade": _db_upgrade,
    "server start": _server_start,
}


@pytest.mark.parametrize("how", list(UPGRADES))
@pytest.mark.parametrize("kind", BACKENDS)
def test_a_database_of_the_first_schema_gets_token_expiry(
    kind: str, how: str, tmp_path: Path
) -> None:
    require_backend(kind)
    secret = "hg_made-before-tokens-could-expire"
    with migrated_database(kind, tmp_path, revision="0001") as url:
        engine = store.make_engine(url)
        with engine.begin() as connection:
            # the columns of revision 0001 only
            connection.execute(
                api_tokens.insert().values(
                    name="old", role="admin", token_sha256=token_hash(secret), created_at=now()
                )
            )
        assert not store.is_current(engine)
        assert "expires_at" not in {c["name"] for c in inspect(engine).get_columns("api_tokens")}
        UPGRADES[how](url)
        assert store.is_current(engine)
        assert "expires_at" in {c["name"] for c in inspect(engine).get_columns("api_tokens")}
        with store.session_factory(engine)() as session:
            token = store.verify_token(session, secret)
            assert token is not None
            assert (token.name, token.expires_at) == ("old", None)
            assert store.live_token_count(session) == 1
        engine.dispose()


@pytest.mark.parametrize("kind", BACKENDS)
def test_token_expiry_downgrades_and_upgrades_again(kind: str, tmp_path: Path) -> None:
    require_backend(kind)
    with migrated_database(kind, tmp_path) as url:
        engine = store.make_engine(url)
        with store.session_factory(engine).begin() as session:
            store.create_token(session, "kept", "viewer", expires_at=now())
        config = alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
        assert "expires_at" not in {c["name"] for c in inspect(engine).get_columns("api_tokens")}
        store.upgrade(url)
        with store.session_factory(engine)() as session:
            assert [t.name for t in store.list_tokens(session)] == ["kept"]
        engine.dispose()


def test_downgrading_past_packed_evidence_unpacks_it_for_an_older_release(tmp_path: Path) -> None:
    """SQLite's packed evidence (migration 0006) is JSON text again after a downgrade, every
    row of it (2,100: more than one batch), so a release before 0006 can read the file; after
    upgrading again new rows are packed and the old ones still read."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store.upgrade(url)
    engine = store.make_engine(url)
    [decision] = sample_decisions([sample_issue(1, "hotfix")])
    row = store.decision_row(decision)
    rows = [{**row, "subject_key": f"github:acme/shop#{n}"} for n in range(2_100)]
    with store.session_factory(engine).begin() as session:
        store.record_rows(session, rows)
    kinds = "SELECT typeof(evidence), count(*) FROM decisions GROUP BY 1"
    with engine.connect() as connection:
        assert connection.exec_driver_sql(kinds).all() == [("blob", 2_100)]
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.connect() as connection:
        assert connection.exec_driver_sql(kinds).all() == [("text", 2_100)]
        texts = connection.exec_driver_sql("SELECT DISTINCT evidence FROM decisions").scalars()
        assert [orjson.loads(t) for t in texts] == [decision.model_dump(mode="json")]
    store.upgrade(url)
    with store.session_factory(engine).begin() as session:
        store.record_decisions(session, [decision])
        items, total = store.list_decisions(session, latest_only=False, limit=5)
        assert total == 2_101
        for item in items:
            record = store.get_decision(session, item.id)
            assert record is not None and record.evidence == decision.model_dump(mode="json")
    with engine.connect() as connection:
        assert sorted(connection.exec_driver_sql(kinds).all()) == [("blob", 1), ("text", 2_100)]
    engine.dispose()


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({}, "ix_decisions_queue_order"),
        ({"verdict": "hotfix"}, "ix_decisions_latest_verdict"),
    ],
)
def test_the_queue_is_read_in_order_from_its_indexes(
    tmp_path: Path, filters: dict[str, str], index: str
) -> None:
    # A page of the queue must not sort every latest decision: SQLite's plan for the query
    # list_decisions sends names the index and no temporary B-tree for the order.
    from sqlalchemy import event

    url = f"sqlite:///{tmp_path / 'plan.db'}"
    store.upgrade(url)
    engine = store.make_engine(url)
    sent: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append((args[2], args[3])))
    with store.session_factory(engine)() as session:
        store.list_decisions(session, **filters)  # type: ignore[arg-type]
    [(statement, parameters)] = [(s, p) for s, p in sent if "ORDER BY" in s]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        plan = " ".join(str(row[3]) for row in rows)
    engine.dispose()
    assert index in plan
    assert "TEMP B-TREE" not in plan
