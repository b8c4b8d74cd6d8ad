"""TextModel: its column scores equal scikit-learn's pipeline; explanations; loading; the bundle."""

from __future__ import annotations

import gzip
import hashlib
import itertools
import math
import random
import re
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

from builders import SHARED_DATA
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
    return SHARED_DATA / "training" / "bug_severity_public.parquet"


@pytest.mark.realdata
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


# --- the column reading against its definition -------------------------------------------------


def _reference_score(model: TextModel, text: str | None) -> float | None:
    """The docstring's definition, written plainly: the set of the text's known words and
    two-word phrases (stop words dropped first), intercept + sum of weights / sqrt(how many);
    None when the text has no token at all."""
    if text is None:
        return None
    tokens = re.findall(model.token_pattern, text.lower())
    if not tokens:
        return None
    stop = set(model.stop_words)
    kept = [token for token in tokens if token not in stop]
    found = {token for token in kept if token in model.weights}
    found |= {f"{a} {b}" for a, b in itertools.pairwise(kept) if f"{a} {b}" in model.weights}
    if not found:
        return model.intercept
    return model.intercept + sum(model.weights[term] for term in found) / math.sqrt(len(found))


def _bundled_words(count: int, seed: int) -> list[str]:
    """Words of the bundled model's table, longest ones included (up to 44 letters)."""
    words = sorted({w for term in TextModel.bundled().weights for w in term.split(" ")})
    rng = random.Random(seed)
    longest = sorted(words, key=len)[-20:]
    return [*longest, *rng.sample(words, count)]


def _varied_texts(seed: int = 11) -> list[str | None]:
    """Reports of every awkward kind, then a few hundred random mixes of real table words."""
    rng = random.Random(seed)
    words = _bundled_words(300, seed)
    stop = list(TextModel.bundled().stop_words)
    long_word = max(words, key=len)
    texts: list[str | None] = [
        None,
        "",
        " \n\t ",
        "!!! --- ???",
        "a b c d e",  # one-letter words are not tokens: no words at all
        " ".join(stop),  # only stop words: words, none known
        "Hadoop HDFS hive",
        "data loss " * 50,  # a repeated phrase counts once
        "DATA LOSS, Data-Loss; data\nloss",
        "data hadoop loss",  # a stop word leaves the sequence: the phrase forms across it
        "data zzqqxx loss",  # an unknown word breaks it
        "data a loss",  # a one-letter word is no token: the phrase forms
        "ÇRASH İstanbul straße crash Kelvin \u212a crash\u00e9 naïve café résumé 日本語 crash",
        "emoji 🔥 crash 🔥🔥 hangs\u0000nul byte\u0301 combining",
        long_word,
        long_word + "s",  # longer than any table word
        long_word[:-1],
        "x" * 100 + " crash " + "9" * 17,
        "42 1234567890 0x7f crash2 crash_report user_view page-button",
        "crash " + " ".join(rng.choice(words) for _ in range(40_000)),  # very long
    ]
    for _ in range(400):
        chosen = rng.choices([*words, *stop, "the", "of", "zzz", "ÇRASH", "-", "x", "42"], k=12)
        texts.append(rng.choice([" ", "\n", ", ", " x "]).join(chosen[: rng.randint(0, 12)]))
    return texts


@pytest.mark.parametrize("which", ["synthetic", "bundled"])
def test_scores_equal_the_definition_on_varied_texts(model: TextModel, which: str) -> None:
    reader = model if which == "synthetic" else TextModel.bundled()
    texts = _varied_texts()
    got = reader.scores(pl.Series("text", texts, dtype=pl.String)).to_list()
    want = [_reference_score(reader, text) for text in texts]
    assert [g is None for g in got] == [w is None for w in want]
    assert max(abs(g - w) for g, w in zip(got, want, strict=True) if g is not None) < 1e-9


def test_a_phrase_never_forms_across_two_reports() -> None:
    model = TextModel.bundled()
    assert "data loss" in model.weights
    pair = model.scores(pl.Series(["the file shows data", "loss of the file"])).to_list()
    alone = [
        _reference_score(model, "the file shows data"),
        _reference_score(model, "loss of the file"),
    ]
    assert pair == pytest.approx(alone, abs=1e-12)


@pytest.mark.parametrize("pattern", [r"[a-z0-9]{2,}", r"[a-z]+", r"(?u)\b\w\w+\b", r"[a-z0-9]{3,}"])
def test_any_token_pattern_scores_as_its_definition(tmp_path: Path, pattern: str) -> None:
    """One-class patterns are cut in numpy, others by polars' regex: both give the definition."""
    terms = [["crash", 1.0], ["data loss", 2.0], ["typo", -1.5], ["the crash", 0.25], ["abc", 0.5]]
    document = {**_good(), "token_pattern": pattern, "terms": terms, "stop_words": ["zkq"]}
    path = tmp_path / "m.json.gz"
    path.write_bytes(_gz(document))
    model = TextModel.load(path)
    texts = [
        *_varied_texts(seed=3)[:120],
        "The crash: data loss abc",
        "abc zkq crash",
        "crash_typo",
    ]
    got = model.scores(pl.Series(texts, dtype=pl.String)).to_list()
    want = [_reference_score(model, text) for text in texts]
    assert [g is None for g in got] == [w is None for w in want]
    assert max(abs(g - w) for g, w in zip(got, want, strict=True) if g is not None) < 1e-12


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.lists(
                st.sampled_from([*_bundled_words(60, 5), "hadoop", "zzz", "-", "x", "É", "\n"]),
                max_size=15,
            ).map(" ".join),
            st.text(max_size=30),
        ),
        max_size=10,
    )
)
def test_bundled_scores_equal_the_definition_on_any_batch(texts: list[str | None]) -> None:
    model = TextModel.bundled()
    got = model.scores(pl.Series(texts, dtype=pl.String)).to_list()
    want = [_reference_score(model, text) for text in texts]
    assert [g is None for g in got] == [w is None for w in want]
    for g, w in zip(got, want, strict=True):
        assert g is None or abs(g - w) < 1e-9  # type: ignore[operator]


@pytest.mark.parametrize("which", ["synthetic", "bundled"])
@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_top_terms_of_a_column_equal_those_of_each_text(
    model: TextModel, which: str, k: int
) -> None:
    reader = model if which == "synthetic" else TextModel.bundled()
    texts = _varied_texts(seed=k)
    column = reader.top_terms_column(pl.Series(texts, dtype=pl.String), k)
    assert column.dtype == pl.List(pl.Struct({"term": pl.String, "value": pl.Float64}))
    got = [None if v is None else [(e["term"], e["value"]) for e in v] for v in column.to_list()]
    assert got == [None if text is None else reader.top_terms(text, k) for text in texts]


def test_scores_and_top_terms_read_once_give_both() -> None:
    model = TextModel.bundled()
    texts = pl.Series("text", _varied_texts(seed=8), dtype=pl.String)
    both = model.scores_and_top_terms(texts, 2)
    assert both.columns == ["score", "terms"]
    assert both["score"].to_list() == model.scores(texts).to_list()
    assert both["terms"].to_list() == model.top_terms_column(texts, 2).to_list()


def test_top_terms_break_ties_of_equal_values_by_the_term(tmp_path: Path) -> None:
    """Equal contributions are ordered by the term, as sorted() orders strings."""
    path = tmp_path / "m.json.gz"
    terms = [["zeta", 1.0], ["alpha", -1.0], ["mid", 1.0], ["beta", 0.5]]
    path.write_bytes(_gz({**_good(), "terms": terms}))
    model = TextModel.load(path)
    text = "zeta mid alpha beta"
    (column,) = model.top_terms_column(pl.Series([text]), 3).to_list()
    assert [e["term"] for e in column] == ["alpha", "mid", "zeta"]
    assert [(e["term"], e["value"]) for e in column] == model.top_terms(text, 3)


def test_a_batch_of_many_megabytes_reads_as_its_reports_do_one_by_one() -> None:
    """A batch is read a few megabytes at a time (side by side on polars' threads)."""
    model = TextModel.bundled()
    rng = random.Random(4)
    words = _bundled_words(500, 4)
    texts = [" ".join(rng.choices(words, k=rng.randint(0, 400))) for _ in range(2_500)]
    assert sum(map(len, texts)) > 4 * 2**20
    batch = pl.Series(texts)
    scores = model.scores(batch).to_list()
    want = [_reference_score(model, text) for text in texts]
    assert [s is None for s in scores] == [w is None for w in want]
    assert max(abs(s - w) for s, w in zip(scores, want, strict=True) if s is not None) < 1e-9
    top = model.top_terms_column(batch, 3).to_list()
    sample = rng.sample(range(len(texts)), 200)
    assert [[(e["term"], e["value"]) for e in top[i]] for i in sample] == [
        model.top_terms(texts[i], 3) for i in sample
    ]


@pytest.mark.realdata
def test_one_report_scored_in_python_is_the_same_float_as_in_the_column() -> None:
    """score_and_top_terms_of (a bug decided alone) against scores (a batch), to the bit, on
    real reports with repeated words and phrases, where the order the weights are added in
    shows."""
    bundled = TextModel.bundled()
    rows = pl.read_parquet(SHARED_DATA / "training" / "bug_severity_public.parquet").sample(
        3000, seed=2
    )
    texts = [
        *(
            f"{t or ''}\n{(d or '')[:2000]}"
            for t, d in rows.select("summary", "description").rows()
        ),
        "",
        "!! ?",
        "crash crash crash the the crash",
        "Ünicode ✓ naïve crash",
    ]
    column = bundled.scores(pl.Series(texts, dtype=pl.String)).to_list()

    def score_of(text: str | None) -> float | None:
        return bundled.score_and_top_terms_of(text, 0)[0]

    assert [score_of(text) for text in texts] == column
    assert score_of(None) is None and score_of("") is None
