"""TextModel: its column scores equal scikit-learn's pipeline; explanations; loading; the bundle."""

from __future__ import annotations

import gzip
import hashlib
import random
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import orjson
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotgate.history.text_training import (
    Settings,
    fit_texts,
    model_document,
    sklearn_pipeline,
    write_model,
)
from hotgate.policy.reading.text_model import TextModel, TextModelError

SEVERE = ["crash", "crashes", "data loss", "hangs", "exception", "corrupts", "fails to start"]
MINOR = ["typo", "tooltip", "cosmetic", "alignment", "wording", "docs", "colour"]
FILLER = ["the", "editor", "when", "saving", "file", "button", "page", "on", "in", "user", "view"]


def _corpus(seed: int = 7, size: int = 240) -> tuple[list[str], np.ndarray]:
    """Synthetic reports: severe ones name a failure, minor ones a blemish, both with filler."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(size):
        severe = i % 2 == 0
        words = [*rng.sample(FILLER, 4), rng.choice(SEVERE if severe else MINOR)]
        rng.shuffle(words)
        key = f"HADOOP-{rng.randint(1, 9999)} " if i % 5 == 0 else ""
        texts.append(key + " ".join(words[:2]) + "\n" + " ".join(words[2:]))
        labels.append(int(severe))
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> TextModel:
    """A model fitted on the synthetic reports and read back from its file."""
    texts, labels = _corpus()
    fitted = fit_texts(texts, labels, Settings(min_df=1, max_terms=150))
    path = tmp_path_factory.mktemp("model") / "synthetic.json.gz"
    return write_model(path, model_document("synthetic", fitted, {"note": "test"}))


TRICKY = [
    "Editor CRASHES when saving",
    "crash crash crash on the page",  # a term counts once
    "The hadoop editor crashes",  # a stop word leaves the sequence: "editor crashes" forms
    "editor zzz crashes",  # an unknown word breaks the phrase
    "HADOOP-1234: data loss in the file view",
    "Typo\nin the tooltip; colour of button… ÇRASH İstanbul straße",
    "x",  # one letter: no words at all
    "fails to start, fails to start!",
    "user_view page-button 42 crash2",
]


def test_scores_equal_sklearn_decision_function(model: TextModel) -> None:
    texts, _ = _corpus(seed=99, size=120)
    texts += TRICKY
    got = model.scores(pl.Series("text", texts))
    want = sklearn_pipeline(model).decision_function(texts)
    known = got.is_not_null().to_numpy()
    assert got.dtype == pl.Float64
    assert got.len() == len(texts)
    assert got.name == "text"
    np.testing.assert_allclose(got.to_numpy()[known], want[known], rtol=0, atol=1e-6)
    assert known.sum() == len(texts) - 1  # only "x" has no words


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from([*FILLER, *SEVERE, *MINOR, "hadoop", "zzz", "CRASH", "-", "42"]),
            min_size=1,
            max_size=12,
        ).map(" ".join),
        min_size=1,
        max_size=8,
    )
)
def test_scores_equal_sklearn_on_any_mix_of_words(model: TextModel, texts: list[str]) -> None:
    got = model.scores(pl.Series(texts)).to_numpy()
    want = sklearn_pipeline(model).decision_function(texts)
    known = ~np.isnan(got)
    np.testing.assert_allclose(got[known], want[known], rtol=0, atol=1e-6)


@pytest.mark.parametrize("empty", [None, "", "   \n ", "!!! ---", "x"])
def test_a_report_with_no_words_scores_null(model: TextModel, empty: str | None) -> None:
    scores = model.scores(pl.Series([empty, "editor crashes", empty], dtype=pl.String))
    assert scores.is_null().to_list() == [True, False, True]


def test_no_reports_give_no_scores(model: TextModel) -> None:
    assert model.scores(pl.Series([], dtype=pl.String)).len() == 0


def test_scores_keep_the_order_of_a_large_batch(model: TextModel) -> None:
    texts, _ = _corpus(seed=3, size=2000)
    batch = model.scores(pl.Series(texts)).to_list()
    reversed_batch = model.scores(pl.Series(texts[::-1])).to_list()
    assert batch == pytest.approx(reversed_batch[::-1], abs=1e-12)


def test_a_batch_large_enough_to_stream_scores_as_small_batches_do(model: TextModel) -> None:
    texts, _ = _corpus(seed=5, size=20_500)
    whole = model.scores(pl.Series(texts)).to_list()
    parts = [*model.scores(pl.Series(texts[:10_000])), *model.scores(pl.Series(texts[10_000:]))]
    assert whole == pytest.approx(parts, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "term", "sign"),
    [
        ("The editor crashes when saving a file", "crashes", 1),
        ("Typo in the tooltip of the save button", "typo", -1),
        ("Wrong colour of the page button", "colour", -1),
    ],
)
def test_top_terms_name_real_terms_with_the_right_sign(
    model: TextModel, text: str, term: str, sign: int
) -> None:
    top = dict(model.top_terms(text, k=3))
    assert term in top
    assert np.sign(top[term]) == sign
    assert all(t in model.weights for t in top)


def test_top_terms_leave_out_function_words(tmp_path: Path) -> None:
    path = tmp_path / "m.json.gz"
    path.write_bytes(
        _gz({**_good(), "terms": [["the", 5.0], ["in the", 4.0], ["crash", 1.0], ["not", 0.5]]})
    )
    model = TextModel.load(path)
    text = "crash in the editor: not saved"
    assert {term for term, _ in model.terms_of(text)} == {"the", "in the", "crash", "not"}
    assert [term for term, _ in model.top_terms(text)] == ["crash", "not"]


def test_term_contributions_add_up_to_the_score(model: TextModel) -> None:
    text = "The editor crashes when saving; data loss in the file view"
    total = model.intercept + sum(value for _, value in model.terms_of(text))
    assert total == pytest.approx(model.scores(pl.Series([text]))[0], abs=1e-9)
    assert len(model.top_terms(text, k=2)) == 2
    assert model.top_terms("zzz qqq") == []


def _gz(document: object) -> bytes:
    return gzip.compress(orjson.dumps(document), mtime=0)


def _good() -> dict[str, object]:
    return {
        "format": "hotgate-text-model/1",
        "name": "m",
        "intercept": 0.1,
        "token_pattern": "[a-z0-9]{2,}",
        "ngram_range": [1, 2],
        "terms": [["crash", 1.0], ["typo", -1.0]],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not gzip at all", "not a text model"),
        (gzip.compress(b"{not json", mtime=0), "not a text model"),
        (_gz([1, 2]), "format is not"),
        (_gz({**_good(), "format": "other/9"}), "format is not"),
        (_gz({k: v for k, v in _good().items() if k != "intercept"}), "missing 'intercept'"),
        (_gz({**_good(), "terms": []}), "terms are empty"),
        (_gz({**_good(), "terms": [["aa bb cc", 1.0]]}), "more than two words"),
        (_gz({**_good(), "terms": [["Crash", 1.0]]}), "not lower-case words of token_pattern"),
        (_gz({**_good(), "stop_words": ["crash"]}), r"a term has a stop word \(crash\)"),
        (_gz({**_good(), "token_pattern": "([a-z]+)"}), "capture group"),
        (_gz({**_good(), "token_pattern": "[a-z"}), "not a valid text model"),
        (_gz({**_good(), "ngram_range": [1, 3]}), "ngram_range"),
        (_gz({**_good(), "terms": [["crash", "high"]]}), "not a valid text model"),
    ],
)
def test_load_rejects_a_bad_file_in_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(TextModelError, match=message) as caught:
        TextModel.load(path)
    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_load_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TextModelError, match=r"missing\.json\.gz: cannot read"):
        TextModel.load(tmp_path / "missing.json.gz")


def test_a_minimal_file_loads_and_scores(tmp_path: Path) -> None:
    path = tmp_path / "m.json.gz"
    path.write_bytes(_gz(_good()))
    model = TextModel.load(path)
    assert model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    scores = model.scores(pl.Series(["it crashes: crash", "typo crash", "nothing"])).to_list()
    assert scores == pytest.approx([1.1, 0.1, 0.1])


def test_the_bundled_model_ships_in_the_package_and_is_loaded_once() -> None:
    raw = resources.files("hotgate.policy.reading").joinpath("text_model.json.gz").read_bytes()
    model = TextModel.bundled()
    assert model is TextModel.bundled()
    assert model.sha256 == hashlib.sha256(raw).hexdigest()
    assert len(raw) < 5_000_000
    assert not {"hadoop", "seamonkey", "mozilla"} & {
        w for term in model.weights for w in term.split(" ")
    }
    crash, typo = model.scores(pl.Series(["Editor crashes on startup", "Typo in the docs"]))
    assert crash is not None and typo is not None and crash > 0 > typo


def test_deciding_with_the_model_imports_no_sklearn() -> None:
    code = (
        "import sys, polars as pl\n"
        "from hotgate.policy.reading.text_model import TextModel\n"
        "TextModel.bundled().scores(pl.Series(['it crashes']))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in {'sklearn', 'scipy'}]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by ranks (ties averaged)."""
    ranks = pl.Series(scores).rank("average").to_numpy()
    severe = labels == 1
    n1, n0 = severe.sum(), (~severe).sum()
    return float((ranks[severe].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _parquet() -> Path:
    root = Path(__file__).resolve().parents[2]
    for folder in root.parents:
        found = folder / "shared" / "data" / "training" / "bug_severity_public.parquet"
        if found.is_file():
            return found
    return root.parent / "shared" / "data" / "training" / "bug_severity_public.parquet"


@pytest.mark.realdata
@pytest.mark.skipif(not _parquet().is_file(), reason="../shared/data is not beside the project")
def test_bundled_model_ranks_held_out_hadoop_severe_above_minor() -> None:
    rows = (
        pl.read_parquet(_parquet())
        .filter(pl.col("project") == "jira:HADOOP", pl.col("label").is_not_null())
        .sample(1500, seed=10)
    )
    texts = rows.select(
        pl.concat_str([pl.col("summary"), pl.col("description").fill_null("")], separator="\n")
    ).to_series()
    model = TextModel.bundled()
    scores = model.scores(texts).fill_null(model.intercept).to_numpy()
    assert _auc(rows["label"].to_numpy(), scores) > 0.7
