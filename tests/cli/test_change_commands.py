"""assess, triage and policy show with change requests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from hotgate import store
from hotgate.cli import app
from hotgate.policy.definition.schema import default_policy_text

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "changes"
WHEN = ["--as-of", "2026-11-23", "--next-release", "2026-12-03"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """assess and triage keep their decisions: in a store of this test's own."""
    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    monkeypatch.setenv("HOTGATE_DATABASE_URL", url)
    return url


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("black-friday-banner.yaml", "hotfix"),
        ("holiday-shipping-deadline.json", "hotfix"),
        ("stock-level-winter-boots.yaml", "hotfix"),
        ("spring-lookbook-copy.yaml", "wait"),
        ("cart-tracking-pixel.yaml", "no-hotfix"),
        ("checkout-button-colour.json", "no-hotfix"),
        ("price-change-rain-jacket.yaml", "no-hotfix"),
    ],
)
def test_assess_decides_each_example(name: str, verdict: str) -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLES / name), "--format", "json", *WHEN])
    assert result.exit_code == 0, result.stderr
    decision = orjson.loads(result.stdout)
    assert decision["verdict"] == verdict
    assert decision["subject"]["kind"] == "change"
    assert [c["name"] for c in decision["criteria"]] == ["simple", "needed", "safe"]
    assert decision["release"]["date"] == "2026-12-03"
    assert set(decision["risk"]) >= {"cost_of_waiting", "risk_of_hotfix"}


def test_assess_prints_a_card_with_the_excerpt() -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLES / "cart-tracking-pixel.yaml"), *WHEN])
    assert result.exit_code == 0
    assert "NO-HOTFIX" in result.stdout
    assert "protected_area:cart" in result.stdout
    assert "Add a tracking pixel script to the cart page" in result.stdout


def test_triage_ranks_change_requests() -> None:
    result = runner.invoke(app, ["triage", str(EXAMPLES / "all-requests.yaml"), *WHEN])
    assert result.exit_code == 0, result.stderr
    assert "change requests" in result.stdout
    assert "Decided 3 change requests — no-hotfix: 2, hotfix: 1." in result.stdout


def test_triage_csv_and_jsonl() -> None:
    path = str(EXAMPLES / "all-requests.yaml")
    as_csv = runner.invoke(app, ["triage", path, "--format", "csv", *WHEN])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert next(r["key"] for r in rows) == "change:MKT-108"
    assert set(rows[0]) >= {"simple", "needed", "safe", "verdict"}
    as_jsonl = runner.invoke(app, ["triage", path, "--format", "jsonl", *WHEN])
    lines = [orjson.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert {d["subject"]["key"] for d in lines} == {
        "change:MKT-108",
        "change:MKT-109",
        "change:MKT-110",
    }


def test_a_file_of_issues_and_changes_decides_both(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        '{"kind": "issue", "key": "jira:SHOP-1", "source": "jira", "title": "Checkout crashes"}\n'
        '{"kind": "change", "id": "MKT-1", "title": "Black Friday banner text"}\n'
    )
    result = runner.invoke(app, ["triage", str(mixed), "--format", "jsonl", *WHEN])
    assert result.exit_code == 0, result.stderr
    kinds = [orjson.loads(line)["subject"]["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["issue", "change"]


def test_policy_show_prints_the_lanes() -> None:
    result = runner.invoke(app, ["policy", "show"])
    assert result.exit_code == 0
    for words in (
        "Content lane",
        "Is the change simple?",
        "promo-banner",
        "checkout",
        "Fix lane",
        "at most 400 changed lines and 20 files",
    ):
        assert words in result.stdout


def test_a_policy_without_a_content_lane_cannot_decide_changes(tmp_path: Path) -> None:
    text = default_policy_text()
    policy = tmp_path / "bugs-only.yaml"
    policy.write_text(text[: text.index("\nchanges:")] + text[text.index("\n# The fix lane") :])
    result = runner.invoke(
        app, ["assess", str(EXAMPLES / "black-friday-banner.yaml"), "--policy", str(policy)]
    )
    assert result.exit_code == 2
    assert "has no 'changes' section" in result.stderr


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl", "json"])
def test_triage_keeps_the_change_decisions_on_record(database: str, fmt: str) -> None:
    path = str(EXAMPLES / "all-requests.yaml")
    result = runner.invoke(app, ["triage", path, "--format", fmt, *WHEN])
    assert result.exit_code == 0, result.stderr
    engine = store.make_engine(database)
    with store.session_factory(engine)() as session:
        items, total = store.list_decisions(session, source="change")
    engine.dispose()
    assert total == 3
    assert {item.subject_kind for item in items} == {"change"}
