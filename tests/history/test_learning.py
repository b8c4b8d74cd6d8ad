"""Learning from a history file: known weights recovered, refusals, the learned file in use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import pytest
from typer.testing import CliRunner

from hotgate.cli import app
from hotgate.history.backtest import BacktestError, load_mapping
from hotgate.history.examples import from_history
from hotgate.history.fitting import predict
from hotgate.history.learn import learn
from hotgate.policy.definition.learned import LearnedModel
from hotgate.policy.definition.schema import default_policy_text, load_policy
from learning_tables import known_table, write_history

POLICY = load_policy()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def learned(tmp_path: Path) -> Path:
    history, mapping = write_history(tmp_path, known_table())
    out = tmp_path / "learned.yaml"
    code, _, err = run("learn", str(history), "--mapping", str(mapping), "--out", str(out))
    assert code == 0, err
    return out


def effect(model: LearnedModel, frame: pl.DataFrame, column: str, low: Any, high: Any) -> float:
    """Mean change in the learned log-odds when one column goes from low to high, all else kept."""
    logits = []
    for value in (low, high):
        changed = frame.with_columns(pl.lit(value, dtype=frame[column].dtype).alias(column))
        probability = predict(model, changed, POLICY)
        logits.append(np.log(probability / (1 - probability)))
    return float(np.mean(logits[1] - logits[0]))


def spread(frame: pl.DataFrame, column: str) -> tuple[float, float]:
    """The 16th and 84th percentiles: about one standard deviation either side on a log scale."""
    values = frame[column].cast(pl.Float64)
    return float(values.quantile(0.16) or 0), float(values.quantile(0.84) or 0)


def test_learning_recovers_the_signs_and_order_of_known_weights(tmp_path: Path) -> None:
    history, mapping_path = write_history(tmp_path, known_table())
    mapping = load_mapping(mapping_path)
    examples = from_history(history, mapping, POLICY, mapping.as_of or POLICY_DAY)
    result = learn(examples, POLICY, default_policy_text())
    model, frame = result.learned.qualifies, examples.frame
    # truth: +2.5 for a crash, -1.2 and +0.6 per standard deviation of log size and experience
    effects = {
        "crash": effect(model, frame, "crash", False, True),
        "fix_lines": effect(model, frame, "fix_lines", *spread(frame, "fix_lines")) / 2,
        "experience": effect(model, frame, "experience", *spread(frame, "experience")) / 2,
        "noise": effect(model, frame, "noise", *spread(frame, "noise")) / 2,
    }
    assert effects["crash"] > 1.5
    assert effects["fix_lines"] < -0.6
    assert effects["experience"] > 0.25
    assert abs(effects["noise"]) < 0.25
    strength = sorted(effects, key=lambda name: -abs(effects[name]))
    assert strength == ["crash", "fix_lines", "experience", "noise"]
    weights = {f.name: f.weight for f in model.features}
    assert weights["crash"] > 1.5  # a condition's weight is its effect, written as it is
    figures = model.cross_validated
    assert figures is not None and figures.roc_auc is not None and figures.roc_auc > 0.75
    # the risk: bigger fixes are backed out more often
    assert result.learned.risk is not None
    shipped = frame.filter(pl.col("actual") == "accepted")
    low, high = spread(shipped, "fix_lines")
    assert effect(result.learned.risk, shipped, "fix_lines", low, high) > 0.8
    assert 0.05 < result.hotfix_at < 0.95


POLICY_DAY = __import__("datetime").date(2016, 8, 31)


def test_the_learned_file_is_a_policy_people_read(learned: Path) -> None:
    text = learned.read_text("utf-8")
    assert "learned:" in text and "hotfix_at: " in text and "cross_validated:" in text
    assert "history.csv" in text and "accepted:" in text
    policy = load_policy(learned)
    assert policy.learned is not None and policy.name == "default-learned"
    code, out, _ = run("policy", "show", "--policy", str(learned))
    assert code == 0
    assert "Learned from history" in out
    assert "crash, multiplies the odds by" in out
    assert "per standard deviation of fix_lines (log1p)" in out
    assert "The risk of the hotfix is learned too" in out


def test_the_learned_file_loads_on_assess_and_triage(learned: Path, tmp_path: Path) -> None:
    issue = {
        "key": "shop#1",
        "source": "hotgate",
        "title": "The app crashes on start",
        "body": "It crashes for every user.",
        "component": "Graphics",
        "fix_lines": 20,
    }
    path = tmp_path / "issue.json"
    path.write_text(orjson.dumps(issue).decode())
    code, out, err = run("assess", str(path), "--policy", str(learned), "--format", "json")
    assert code == 0, err
    decision = orjson.loads(out)
    learned_policy = load_policy(learned)
    assert decision["policy"]["name"] == "default-learned"
    assert 0.5 < decision["probability"] < 1
    assert decision["risk"]["risk_formula"].startswith("risk_of_hotfix = chance")
    names = [f["name"] for f in decision["risk"]["risk_factors"]]
    assert names[0] == "intercept" and "fix_lines" in names
    assert any(
        r.startswith("Weights learned from ") and "crash (+" in r for r in decision["reasons"]
    )
    assert learned_policy.decision.hotfix_at != 0.5
    lines = tmp_path / "issues.jsonl"
    lines.write_text(orjson.dumps(issue).decode() + "\n")
    code, out, err = run("triage", str(lines), "--policy", str(learned), "--format", "jsonl")
    assert code == 0, err
    assert orjson.loads(out.splitlines()[0])["probability"] == decision["probability"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (0, "nothing to learn from: 0 decided rows"),
        (12, "too little to learn from: 12 rows ("),
        (-40, "only one class to learn from: 40 rows, all accepted"),
    ],
)
def test_learning_refuses_too_little_or_one_class(tmp_path: Path, rows: int, message: str) -> None:
    table = known_table().head(abs(rows))
    if rows < 0:
        table = table.with_columns(shipped=pl.lit(True))
    history, mapping = write_history(tmp_path, table)
    code, _out, err = run(
        "learn", str(history), "--mapping", str(mapping), "--out", str(tmp_path / "x.yaml")
    )
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.yaml").exists()


def test_a_mapping_may_not_read_what_was_written_after_the_decision(tmp_path: Path) -> None:
    history, mapping = write_history(tmp_path, known_table())
    mapping.write_text(mapping.read_text().replace("noise: noise", "noise: decided_on"))
    with pytest.raises(BacktestError, match=r"features.noise reads 'decided_on', written after"):
        from_history(history, load_mapping(mapping), POLICY, POLICY_DAY)


def test_backtest_json_has_the_figures_and_the_baseline(tmp_path: Path) -> None:
    history, mapping = write_history(tmp_path, known_table(300))
    code, out, err = run(
        "backtest",
        str(history),
        "--mapping",
        str(mapping),
        "--cross-validate",
        "3",
        "--format",
        "json",
    )
    assert code == 0, err
    result = orjson.loads(out)
    for key in ("roc_auc", "balanced_accuracy", "recall", "brier", "reliability", "rows"):
        assert key in result and key in result["baseline"]
    assert result["rows"] == 300
    assert set(result["recall"]) == {"accepted", "rejected"}
    assert result["roc_auc"] > 0.7
    assert sum(b["rows"] for b in result["reliability"]) == 300
    train, _ = write_history(tmp_path, known_table(300, seed=11))
    (tmp_path / "train.csv").write_bytes(train.read_bytes())
    test, _ = write_history(tmp_path, known_table(300, seed=12))
    code, out, err = run(
        "backtest",
        str(test),
        "--mapping",
        str(mapping),
        "--train",
        str(tmp_path / "train.csv"),
        "--format",
        "json",
    )
    assert code == 0, err
    assert orjson.loads(out)["setup"].startswith("trained on")
