"""`hotgate triage` and `assess` keep their decisions on record; db, token and serve commands."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from hotgate import service, store
from hotgate.cli import app
from hotgate.store.tables import decisions
from samples import record_troubled_history, sample_issue

runner = CliRunner()


@pytest.fixture
def backlog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A JSON Lines backlog of three bugs, in a fresh current folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    path = tmp_path / "backlog.jsonl"
    issues = [sample_issue(1), sample_issue(2, "no-hotfix"), sample_issue(3, "needs-info")]
    path.write_bytes(b"".join(orjson.dumps(i.model_dump(mode="json")) + b"\n" for i in issues))
    return path


def _rows(url: str) -> list[tuple[str, str, bool, bool]]:
    engine = store.make_engine(url)
    with engine.connect() as connection:
        query = select(
            decisions.c.subject_key,
            decisions.c.verdict,
            decisions.c.verdict_changed,
            decisions.c.latest,
        )
        rows = [tuple(row) for row in connection.execute(query.order_by(decisions.c.id))]
    engine.dispose()
    return rows  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["table", "jsonl", "json", "csv"])
def test_triage_records_beside_the_policy_by_default(backlog: Path, fmt: str) -> None:
    result = runner.invoke(app, ["triage", str(backlog), "--format", fmt, "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    rows = _rows(f"sqlite:///{backlog.parent / 'hotgate.db'}")
    assert sorted((key, verdict) for key, verdict, _, _ in rows) == [
        ("github:acme/shop#1", "hotfix"),
        ("github:acme/shop#2", "no-hotfix"),
        ("github:acme/shop#3", "needs-info"),
    ]


def test_a_second_run_marks_changed_verdicts(backlog: Path) -> None:
    runner.invoke(app, ["triage", str(backlog), "--as-of", "2026-11-01"])
    result = runner.invoke(
        app, ["triage", str(backlog), "--as-of", "2026-11-01", "--next-release", "2026-11-02"]
    )
    assert result.exit_code == 0, result.output
    rows = _rows(f"sqlite:///{backlog.parent / 'hotgate.db'}")
    assert len(rows) == 6
    newest = {key: (verdict, changed) for key, verdict, changed, latest in rows if latest}
    assert newest["github:acme/shop#1"] == ("wait", True)
    assert newest["github:acme/shop#2"] == ("no-hotfix", False)


def test_no_record_writes_nothing(backlog: Path) -> None:
    result = runner.invoke(app, ["triage", str(backlog), "--no-record"])
    assert result.exit_code == 0, result.output
    assert not (backlog.parent / "hotgate.db").exists()


def test_db_chooses_the_database(backlog: Path, database_url: str) -> None:
    result = runner.invoke(app, ["triage", str(backlog), "--db", database_url, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert len(_rows(database_url)) == 3
    assert not (backlog.parent / "hotgate.db").exists()


def test_the_environment_chooses_the_database(
    backlog: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv(store.DATABASE_URL_ENV, url)
    assert runner.invoke(app, ["triage", str(backlog)]).exit_code == 0
    assert len(_rows(url)) == 3


def test_assess_records_the_whole_decision(backlog: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_bytes(orjson.dumps(sample_issue(9, "needs-info").model_dump(mode="json")))
    result = runner.invoke(app, ["assess", str(one), "--format", "json"])
    assert result.exit_code == 0, result.output
    engine = store.make_engine(f"sqlite:///{tmp_path / 'hotgate.db'}")
    with store.session_factory(engine)() as session:
        [item], _ = store.list_decisions(session)
        record = store.get_decision(session, item.id)
    engine.dispose()
    assert record is not None
    assert record.evidence == orjson.loads(result.stdout)


def test_assess_counts_the_troubled_hotfixes_on_record(
    backlog: Path, tmp_path: Path, sessions: sessionmaker[Session], database_url: str
) -> None:
    with sessions.begin() as session:
        record_troubled_history(session)
    one = tmp_path / "one.json"
    one.write_bytes(orjson.dumps(sample_issue(9, component="checkout").model_dump(mode="json")))
    notes = {}
    for record in ("--record", "--no-record"):
        result = runner.invoke(
            app, ["assess", str(one), "--format", "json", "--db", database_url, record]
        )
        assert result.exit_code == 0, result.output
        factors = orjson.loads(result.stdout)["risk"]["risk_factors"]
        notes[record] = next(f for f in factors if f["name"] == "troubled_hotfixes_in_area")
    assert notes["--record"]["value"] == 2.0
    assert notes["--record"]["note"].startswith("2 past hotfixes in component 'checkout'")
    assert notes["--no-record"]["value"] == 0.0
    assert "no record of past hotfixes was consulted" in notes["--no-record"]["note"]


def test_bad_input_to_assess_leaves_no_database(backlog: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = runner.invoke(app, ["assess", str(bad)])
    assert result.exit_code == 2
    assert not (tmp_path / "hotgate.db").exists()


def test_an_unusable_database_is_a_one_line_error(backlog: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["triage", str(backlog), "--db", f"sqlite:///{blocker}/x.db"])
    assert result.exit_code == 2
    assert "cannot" in result.output
    assert "--no-record" in result.output


def test_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert (tmp_path / "hotgate.db").is_file()


def test_tokens_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    made = runner.invoke(app, ["token", "create", "--role", "approver", "--name", "Ada"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("hg_")
    assert "it never expires (--expires-in DAYS sets an expiry)" in made.stderr
    listed = runner.invoke(app, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if "Ada" in line)
    assert [cell.strip() for cell in row.strip("│ ").split("│")] == [
        "1",
        "approver",
        "Ada",
        "live",
        "never",
        "never",
    ]
    assert secret not in listed.stdout
    assert runner.invoke(app, ["token", "revoke", "1"]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["token", "list"]).stdout
    assert runner.invoke(app, ["token", "revoke", "1"]).exit_code == 2
    bad = runner.invoke(app, ["token", "create", "--role", "owner"])
    assert bad.exit_code == 2
    assert "viewer, requester, approver, admin" in bad.output
    too_long = runner.invoke(app, ["token", "create", "--role", "viewer", "--expires-in", "3651"])
    assert too_long.exit_code == 2
    assert "--expires-in: at most 3650 days, not 3651" in too_long.output


def test_token_list_shows_expiry_and_last_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    made = runner.invoke(app, ["token", "create", "--role", "viewer", "--expires-in", "30"])
    assert made.exit_code == 0, made.output
    engine = store.make_engine(f"sqlite:///{tmp_path / 'hotgate.db'}")
    with store.session_factory(engine).begin() as session:
        [ci] = store.list_tokens(session)
        assert ci.expires_at is not None
        assert ci.expires_at - ci.created_at == timedelta(days=30)
        store.note_token_use(session, ci, datetime(2026, 11, 23, 9, 5, 59, tzinfo=UTC))
        store.create_token(session, "old", "admin", expires_at=datetime(2020, 1, 31, tzinfo=UTC))
        gone, _ = store.create_token(session, "gone", "admin")
        store.revoke_token(session, gone.id)
    engine.dispose()
    assert f"it expires on {ci.expires_at:%Y-%m-%d}" in made.stderr
    listed = runner.invoke(app, ["token", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    records = orjson.loads(listed.stdout)
    facts = [(t["name"], t["state"], t["expires_at"], t["last_used_at"]) for t in records]
    assert facts == [
        ("token", "live", ci.expires_at.isoformat().replace("+00:00", "Z"), "2026-11-23T09:05:59Z"),
        ("old", "expired", "2020-01-31T00:00:00Z", None),
        ("gone", "revoked", None, None),
    ]
    table = runner.invoke(app, ["token", "list"]).stdout
    for shown in (
        f"{ci.expires_at:%Y-%m-%d}",
        "2026-11-23 09:05 UTC",
        "expired",
        "2020-01-31",
        f"revoked {records[2]['revoked_at'][:10]}",
    ):
        assert shown in table


def test_token_list_warns_of_tokens_that_expire_soon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    for name, days in (("deploy bot", "3"), ("dashboard", "90")):
        made = runner.invoke(
            app, ["token", "create", "--role", "viewer", "--name", name, "--expires-in", days]
        )
        assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["token", "list"])
    assert listed.exit_code == 0
    assert "(in 3 days)" in listed.stdout
    assert "(in 90 days)" not in listed.stdout
    [warning] = listed.stderr.strip().splitlines()
    assert warning.startswith("hotgate: token 1 (deploy bot) stops working on ")
    assert warning.endswith("hotgate token create --role viewer --expires-in DAYS")


@pytest.mark.parametrize("days", ["0", "3651", "soon"])
def test_token_create_refuses_an_expiry_out_of_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    bad = runner.invoke(app, ["token", "create", "--role", "viewer", "--expires-in", days])
    assert bad.exit_code == 2
    assert "--expires-in" in bad.output


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_serve_refuses_a_public_address_without_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    result = runner.invoke(app, ["serve", "--host", host])
    assert result.exit_code == 2
    assert "hotgate token create --role" in result.output


def test_serve_refuses_a_public_address_when_every_token_expired_or_was_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    engine = service.open_store(f"sqlite:///{tmp_path / 'hotgate.db'}")
    with store.session_factory(engine).begin() as session:
        store.create_token(session, "old", "admin", expires_at=datetime(2020, 1, 31, tzinfo=UTC))
        revoked, _ = store.create_token(session, "gone", "admin")
        store.revoke_token(session, revoked.id)
    engine.dispose()
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "no live API tokens" in result.output
    assert "hotgate token create --role admin" in result.output


def test_serve_runs_the_api_and_pages_on_the_embedded_database(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != store.DATABASE_URL_ENV}
    hotgate = Path(sys.executable).with_name("hotgate")
    server = subprocess.Popen(
        [str(hotgate), "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        assert "Triage queue" in httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "hotgate.db").is_file()
