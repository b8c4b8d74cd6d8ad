"""Training the text model: labels, weights, hold-outs, and `hotgate reader train|show`."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from hotgate.cli import app
from hotgate.history.public_data import held_out
from hotgate.history.text_training import (
    Settings,
    TrainingError,
    fit_texts,
    label_expr,
    rated_rows,
    stratum_weights,
    train_file,
)
from hotgate.policy.reading.text_model import TextModel

ROWS = [
    ("App crashes on start", "It crashes every time I open it.", "Critical", "shop"),
    ("Crash when saving", "Saving a file crashes the editor.", "Blocker", "shop"),
    ("Data loss after sync", "All my notes are gone after sync; data loss.", "Critical", "notes"),
    ("Server hangs under load", "The server hangs and requests time out.", "Blocker", "notes"),
    ("Typo in the footer", "The footer says 'Contcat us'.", "Trivial", "shop"),
    ("Tooltip wording is odd", "The tooltip wording on export is outdated.", "Minor", "shop"),
    ("Button colour slightly off", "The colour of the save button is off.", "Minor", "notes"),
    ("Docs typo in README", "Small typo in the docs.", "Trivial", "notes"),
    ("Search is slow", "Search takes two seconds.", "Major", "notes"),
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A tiny tracker export: summary, description, Jira priority and project."""
    path = tmp_path / "history.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["summary", "description", "priority", "project"])
        writer.writerows(ROWS * 3)
    return path


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("1", 1.0), ("0", 0.0), ("1.0", 1.0), ("severe", 1.0), ("minor", 0.0),
        ("Blocker", 1.0), ("Critical", 1.0), ("Major", None), ("Minor", 0.0), ("Trivial", 0.0),
        ("S2", 1.0), ("S3", None), ("normal", None), ("enhancement", 0.0), ("", None), (None, None),
    ],
)  # fmt: skip
def test_labels_are_read_from_numbers_words_and_tracker_levels(
    value: str | None, label: float | None
) -> None:
    frame = pl.DataFrame({"level": [value]}, schema={"level": pl.String})
    assert frame.select(label_expr("level")).item() == label


def test_rated_rows_join_title_and_body_and_drop_unrated(history: Path) -> None:
    rated = rated_rows(pl.read_csv(history), "priority")
    assert rated.height == 8 * 3  # "Major" is not a label
    assert rated["text"][0] == "App crashes on start\nIt crashes every time I open it."


@pytest.mark.parametrize(
    ("columns", "label", "message"),
    [
        ((), "severity", "no column 'severity'"),
        (("title",), "priority", r"no text column \['title'\]"),
    ],
)
def test_rated_rows_name_what_is_missing(
    history: Path, columns: tuple[str, ...], label: str, message: str
) -> None:
    with pytest.raises(TrainingError, match=message):
        rated_rows(pl.read_csv(history), label, columns)


def test_stratum_weights_give_each_label_in_each_stratum_the_same_share() -> None:
    strata = np.array(["a", "a", "a", "a", "b", "b"])
    labels = np.array([1, 1, 1, 0, 1, 0])
    weights = stratum_weights(strata, labels)
    assert weights.mean() == pytest.approx(1.0)
    shares = {(s, y): weights[(strata == s) & (labels == y)].sum() for s in "ab" for y in (0, 1)}
    assert len({round(v, 9) for v in shares.values()}) == 1


def test_one_class_of_label_is_refused() -> None:
    with pytest.raises(TrainingError, match="both severe"):
        fit_texts(["it crashes", "it hangs"], np.array([1, 1]), Settings(min_df=1))


def test_the_fit_keeps_at_most_max_terms() -> None:
    texts = [row[0] + "\n" + row[1] for row in ROWS[:8]]
    fitted = fit_texts(texts, np.array([1, 1, 1, 1, 0, 0, 0, 0]), Settings(min_df=1, max_terms=5))
    assert len(fitted.terms) == 5
    assert len(fitted.weights) == 5


def test_held_out_rows_are_hadoop_seamonkey_and_the_exports_summaries() -> None:
    frame = pl.DataFrame(
        {
            "project": ["jira:HADOOP", "bz:Mozilla", "bz:Mozilla", "jira:HIVE", "jira:HIVE"],
            "summary": ["a", "SeaMonkey mail crashes", "b", "Query fails", "Other"],
            "description": ["", "", "in seamonkey 2.5", "", None],
        }
    )
    flags = frame.select(held_out(["Query fails"])).to_series().to_list()
    assert flags == [True, True, True, True, False]


def test_reader_train_on_a_tiny_csv_writes_a_model_that_loads(
    history: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "team.json.gz"
    code, stdout, stderr = run(
        "reader", "train", str(history), "--out", str(out_file),
        "--label-column", "priority", "--min-df", "1", "--group-column", "project",
    )  # fmt: skip
    assert code == 0, stderr
    assert "on 24 rated reports (12 severe)" in stdout
    model = TextModel.load(out_file)
    assert model.name == "team"
    assert model.card["trained_on"]["group_column"] == "project"
    crash, typo = model.scores(pl.Series(["The app crashes", "A typo in the footer"]))
    assert crash is not None and typo is not None and crash > typo
    code, stdout, _ = run("reader", "show", "--model", str(out_file))
    assert code == 0
    assert "Text model 'team'" in stdout
    assert "Trained on 24 rated reports" in stdout


def test_train_file_matches_the_command(history: Path, tmp_path: Path) -> None:
    model = train_file(
        history, tmp_path / "m.json.gz", label_column="priority", settings=Settings(min_df=1)
    )
    assert model.card["trained_on"]["rows"] == 24


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--label-column", "severity"], "no column 'severity'"),
        (["--label-column", "project"], "no rows with a label"),
        (["--label-column", "priority", "--min-df", "99"], "no usable words"),
    ],
)
def test_reader_train_refuses_bad_input_in_one_line(
    history: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    out_file = tmp_path / "m.json.gz"
    code, _, stderr = run("reader", "train", str(history), "--out", str(out_file), *extra)
    assert code == 2
    assert message in stderr
    assert stderr.count("\n") == 1
    assert not out_file.exists()


def test_reader_train_names_an_unreadable_file(tmp_path: Path) -> None:
    code, _, stderr = run("reader", "train", str(tmp_path / "nope.csv"), "--out", "m.json.gz")
    assert code == 2
    assert "nope.csv: cannot read" in stderr


def test_reader_show_prints_the_bundled_card() -> None:
    code, stdout, _ = run("reader", "show", "--terms", "3")
    assert code == 0
    model = TextModel.bundled()
    assert model.sha256[:12] in stdout
    assert "Held out: projects jira:HADOOP" in stdout
    assert "Strongest towards severe:" in stdout


def test_reader_show_rejects_a_bad_model_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json.gz"
    bad.write_text("nonsense")
    code, _, stderr = run("reader", "show", "--model", str(bad))
    assert code == 2
    assert stderr == f"hotgate: {bad}: not a text model (expected gzipped JSON)\n"
