"""`check-diff --lane fix --issue KEY`: the pull request must name an issue decided `hotfix`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from gitrepos import Repo, shop
from hotgate import store
from hotgate.cli import app
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context, release_on
from hotgate.policy.definition.schema import load_policy
from hotgate.service import decide_issue
from hotgate.store.fixtures import require_backend

runner = CliRunner()
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated decision store on SQLite or on the PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hotgate.db'}"
        store.upgrade(url)
        yield url
        return
    require_backend("postgres")  # skips when the server is down, fails under CI
    name = f"hotgate_gate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        store.upgrade(PG + name)
        yield PG + name
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _record(url: str, key: str, title: str, release: date | None = None) -> int:
    """Decide an issue with the default policy and keep the decision; returns its id."""
    as_of = date(2026, 11, 23)
    context = Context(as_of, release_on("next", release, as_of) if release else None)
    issue = Issue(key=key, source="jira", title=title, severity="S1")
    decision = decide_issue(issue, load_policy(), context)
    engine = store.make_engine(url)
    with store.session_factory(engine).begin() as session:
        store.record_decisions(session, [decision])
        found, _ = store.list_decisions(session, key=key)
    engine.dispose()
    return found[0].id


def _review(url: str, decision_id: int, action: str) -> None:
    engine = store.make_engine(url)
    with store.session_factory(engine).begin() as session:
        store.review(session, decision_id, action, "lee", reason="checked")  # type: ignore[arg-type]
    engine.dispose()


@pytest.fixture
def fix_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A fix with its test on branch `change`, in the working folder."""
    repo = shop(tmp_path / "shop")
    repo.write("src/shop/prices.py", "def price(p):\n    return round(p, 2)\n")
    repo.write("tests/test_prices.py", "def test_price():\n    assert 1 == 1\n")
    repo.commit()
    monkeypatch.chdir(repo.root)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return repo


SECURITY = "Security hole: SQL injection in search exposes customer data, severity critical"


@pytest.mark.parametrize(
    ("title", "review", "code", "message"),
    [
        (SECURITY, None, 0, "linked to jira:SHOP-1"),
        (SECURITY, "approve", 0, "linked to jira:SHOP-1"),
        (SECURITY, "reject", 1, "is rejected"),
        ("Footer link colour is slightly off", None, 1, "was decided 'no-hotfix', not 'hotfix'"),
    ],
)
def test_the_issue_must_be_decided_hotfix(
    fix_branch: Repo,
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    title: str,
    review: str | None,
    code: int,
    message: str,
) -> None:
    decision_id = _record(database, "jira:SHOP-1", title)
    if review:
        _review(database, decision_id, review)
    monkeypatch.setenv("HOTGATE_DATABASE_URL", database)
    result = runner.invoke(
        app, ["check-diff", "--lane", "fix", "--base", "main", "--issue", "jira:SHOP-1"]
    )
    assert result.exit_code == code, result.stdout + result.stderr
    assert message in result.stdout


def test_an_issue_never_decided_is_refused(
    fix_branch: Repo, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(database, "jira:SHOP-1", SECURITY)
    monkeypatch.setenv("HOTGATE_DATABASE_URL", database)
    result = runner.invoke(
        app, ["check-diff", "--lane", "fix", "--base", "main", "--issue", "jira:SHOP-2"]
    )
    assert result.exit_code == 1
    assert "jira:SHOP-2 has no stored decision" in result.stdout


def test_the_policy_can_ask_for_approval(
    fix_branch: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    store.upgrade(url)
    decision_id = _record(url, "jira:SHOP-1", SECURITY)
    policy = tmp_path / "strict.yaml"
    policy.write_text(
        (Path(load_policy.__code__.co_filename).parent / "default.yaml")
        .read_text()
        .replace("require_approval: false", "require_approval: true")
    )
    monkeypatch.setenv("HOTGATE_DATABASE_URL", url)
    args = [
        "check-diff",
        "--lane",
        "fix",
        "--base",
        "main",
        "--issue",
        "jira:SHOP-1",
        "--policy",
        str(policy),
    ]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1
    assert "is proposed; the policy needs it approved" in refused.stdout
    _review(url, decision_id, "approve")
    assert runner.invoke(app, args).exit_code == 0


def test_a_missing_store_is_an_error(
    fix_branch: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOTGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    result = runner.invoke(
        app, ["check-diff", "--lane", "fix", "--base", "main", "--issue", "jira:SHOP-1"]
    )
    assert result.exit_code == 2
    assert "no decision store at sqlite:///" in " ".join(result.stderr.split())
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("command", ["assess", "triage"])
def test_answers_given_on_the_command_line_need_an_approver(
    fix_branch: Repo,
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    bug = tmp_path / "bug.yaml"
    bug.write_text(
        "key: ops:INC-9\nsource: hotgate\ntitle: Typo on the about page\nlabels: [typo]\n"
        "answers: {significant: 'yes', broad_reach: 'yes', no_workaround: 'yes'}\n"
    )
    monkeypatch.setenv("HOTGATE_DATABASE_URL", database)
    decided = runner.invoke(app, [command, str(bug), "--format", "json", "--as-of", "2026-11-23"])
    assert decided.exit_code == 0, decided.stdout + decided.stderr
    assert '"verdict": "hotfix"' in decided.stdout.replace('":"', '": "')
    args = ["check-diff", "--lane", "fix", "--base", "main", "--issue", "ops:INC-9"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1, refused.stdout
    assert "rests on answers given by cli:" in refused.stdout
    assert "an approver must approve it first" in refused.stdout
    engine = store.make_engine(database)
    with store.session_factory(engine)() as session:
        [latest], _ = store.list_decisions(session, key="ops:INC-9")
    engine.dispose()
    _review(database, latest.id, "approve")
    assert runner.invoke(app, args).exit_code == 0
