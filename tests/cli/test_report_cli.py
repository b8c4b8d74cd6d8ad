"""`hotgate report` and `hotgate backtest` as a user runs them: files, figures and exit codes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from builders import SHARED_DATA
from hotgate.cli import app

ROOT = Path(__file__).resolve().parents[2]
SHARED = SHARED_DATA
FIXTURE = (
    ROOT / "tests" / "fixtures" / "reports" / "decisions.jsonl"
)  # hand-counted in test_reports.py
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def decisions(tmp_path: Path) -> Path:
    path = tmp_path / "decisions.jsonl"
    path.write_text(FIXTURE.read_text())
    return path


def test_report_writes_html_png_and_figures(decisions: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "report"
    code, out, _ = run("report", "--from", str(decisions), "--out", str(out_dir))
    assert code == 0
    assert "10 decisions, 6 hotfixes; 2 rolled back or regressed (33%)." in out
    assert "Release cycle 2.4 had 4 hotfixes, over the budget of 3." in out
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [
        "decisions-per-month.png",
        "figures.json",
        "hotfixes-by-component.png",
        "hotfixes-by-source.png",
        "hotfixes-per-release.png",
        "report.html",
    ]
    for png in out_dir.glob("*.png"):
        assert png.read_bytes().startswith(PNG_MAGIC)
    html = (out_dir / "report.html").read_text()
    # Self-contained: every image is inline, nothing is fetched from elsewhere.
    sources = re.findall(r'src="([^"]+)"', html)
    assert len(sources) == 4
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in html
    assert "https://" not in html
    assert "Release cycle 2.4 had 4 hotfixes" in html
    assert json.loads((out_dir / "figures.json").read_text())["trouble"]["troubled"] == 2


def test_report_skips_bad_lines_and_exits_2(decisions: Path, tmp_path: Path) -> None:
    decisions.write_text(decisions.read_text() + "{broken\n")
    code, _, err = run("report", "--from", str(decisions), "--out", str(tmp_path / "r"))
    assert code == 2
    assert f"skipped {decisions} line 11" in err
    assert "reported on 10 decisions, skipped 1 bad record" in err
    assert (tmp_path / "r" / "report.html").is_file()


@pytest.mark.parametrize("content", [None, ""])
def test_report_without_decisions_exits_2_and_writes_nothing(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "decisions.jsonl"
    if content is not None:
        path.write_text(content)
    code, _, err = run("report", "--from", str(path), "--out", str(tmp_path / "r"))
    assert code == 2
    assert err.startswith(f"hotgate: {path}")
    assert not (tmp_path / "r").exists()


BACKTEST_CSV = """id,title,severity,done
1,Checkout crashes for every user. There is no workaround.,S1,accepted
2,Typo on the about page,S4,rejected
3,Typo in the footer,S4,accepted
4,Something odd happens,,rejected
"""
BACKTEST_MAPPING = """name: tiny
outcome: {expression: done, accepted: [accepted], rejected: [rejected]}
fields:
  key: "'shop#' || CAST(id AS VARCHAR)"
  title: title
  severity: severity
"""


def test_backtest_text_and_json(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(BACKTEST_CSV)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(BACKTEST_MAPPING)
    code, out, _ = run("backtest", str(history), "--mapping", str(mapping), "--as-of", "2026-11-23")
    assert code == 0
    assert "Recall of accepted (decided rows): 50.0%" in out
    assert "Recall of rejected (decided rows): 100.0%" in out
    assert "Balanced accuracy (decided rows): 75.0%" in out
    # "Something odd happens" shows neither significance nor reach: no-hotfix, not a question.
    assert "Undecided (needs-info): 0 of 4 (0.0%)" in out
    code, out, _ = run("backtest", str(history), "--mapping", str(mapping), "--format", "json")
    assert code == 0
    [result] = json.loads(out)
    assert result["confusion"]["accepted"] == {"accepted": 1, "rejected": 1, "needs-info": 0}
    assert [d["key"] for d in result["disagreements"]] == ["shop#3"]


def test_backtest_bad_mapping_exits_2(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(BACKTEST_CSV)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("outcome: {expression: done}\nfields: {sevrity: severity}\n")
    code, out, err = run("backtest", str(history), "--mapping", str(mapping))
    assert code == 2
    assert out == ""
    assert "not hotgate issue fields: sevrity" in err


@pytest.mark.realdata
def test_backtest_on_firefox_uplift_history() -> None:
    files = [str(SHARED / "history" / f"firefox_uplift_{c}.csv") for c in ("aurora", "beta")]
    mapping = str(ROOT / "examples" / "backtest" / "firefox-uplift-mapping.yaml")
    code, out, _ = run("backtest", *files, "--mapping", mapping, "--format", "json")
    assert code == 0
    aurora, beta = json.loads(out)
    assert (aurora["rows"], beta["rows"]) == (4423, 2644)
    assert all(r["recall"]["accepted"] is not None for r in (aurora, beta))


def test_report_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotgate import store
    from hotgate.model import Issue
    from hotgate.policy.deciding.engine import Context, decide
    from hotgate.policy.definition.schema import load_policy

    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    store.upgrade(url)
    engine = store.make_engine(url)
    issue = Issue(
        key="jira:SHOP-1",
        source="jira",
        title="Checkout crashes for every user",
        body="Crashes on every page load. There is no workaround.",
        severity="S1",
        component="checkout",
    )
    with store.session_factory(engine).begin() as session:
        store.upsert_issues(session, [issue])
        store.record_decisions(
            session, decide(load_policy(), [issue], Context(as_of=date(2026, 11, 23)))
        )
    engine.dispose()
    monkeypatch.setenv("HOTGATE_DATABASE_URL", url)
    code, out, _ = run("report", "--out", str(tmp_path / "r"))
    assert code == 0
    assert "1 decisions, 1 hotfixes; 0 rolled back or regressed (0%)." in out
    assert (
        json.loads((tmp_path / "r" / "figures.json").read_text())["by_component"][0]["name"]
        == "checkout"
    )


def test_report_without_a_store_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTGATE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("report", "--out", str(tmp_path / "r"))
    assert code == 2
    assert "no store here; give --from FILE" in err
    assert not (tmp_path / "r").exists()


def test_backtest_without_mapping_reads_hotgate_fields(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    rows = [
        {
            "key": "a#1",
            "title": "Checkout crashes for every user. There is no workaround.",
            "severity": "S1",
            "outcome": "hotfix",
        },
        {"key": "a#2", "title": "Typo on the about page", "severity": "S4", "outcome": "no-hotfix"},
    ]
    history.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, _ = run("backtest", str(history), "--format", "json")
    assert code == 0
    [result] = json.loads(out)
    assert result["recall"] == {"accepted": 1.0, "rejected": 1.0}


def test_backtest_without_outcome_asks_for_a_mapping(tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text("key,title\na#1,Crash\n")
    code, _, err = run("backtest", str(history))
    assert code == 2
    assert "no 'outcome' column naming what was actually done; give --mapping FILE" in err
