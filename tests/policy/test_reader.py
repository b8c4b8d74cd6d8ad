"""The reader on a batch: scores and the words shown as reasons, read for the whole batch."""

from __future__ import annotations

import polars as pl
import pytest

from builders import far_release, github_issue
from hotgate.policy.deciding.engine import evaluate, to_decision
from hotgate.policy.definition.schema import load_policy
from hotgate.policy.reading.reader import READ_CHARACTERS, model_of, text_scores, with_text_terms
from hotgate.policy.reading.signals import issues_frame
from hotgate.sources.base import Origin
from hotgate.sources.reader import read_record

POLICY = load_policy()

TITLES = [
    "Editor crashes on startup",
    None,
    "Typo in the docs",
    "",
    "Data loss when saving a file",
    "!!!",
    "We see it in the settings page",
]
BODIES = [
    "Every time I open it the app crashes with a segfault. " * 80,  # cut at 2,000 characters
    "The whole cluster hangs after the upgrade",
    None,
    "",
    "data\nloss",
    None,
    "in the",
]


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"title": TITLES, "body": BODIES}, schema={"title": pl.String, "body": pl.String}
    )


def _one_at_a_time(title: str | None, body: str | None) -> str:
    """What a decision showed before the batch was read at once: one report's top terms."""
    text = f"{title or ''}\n{(body or '')[:READ_CHARACTERS]}"
    return ", ".join(f"'{term}'" for term, _ in model_of(POLICY).top_terms(text, 3))


def test_the_batch_terms_are_the_words_each_report_showed_on_its_own() -> None:
    read = text_scores(POLICY, _frame(), terms=True)
    assert read["text_terms"].dtype == pl.String
    scores = read["text_score"].to_list()
    want = [
        _one_at_a_time(t, b) if s is not None else None
        for t, b, s in zip(TITLES, BODIES, scores, strict=True)
    ]
    assert read["text_terms"].to_list() == want
    assert scores[3] is None and scores[5] is None  # no words at all
    assert "'crashes'" in want[0]
    assert read["text_score"].to_list() == text_scores(POLICY, _frame())["text_score"].to_list()


def test_terms_are_read_only_when_asked() -> None:
    assert "text_terms" not in text_scores(POLICY, _frame()).columns
    scored = text_scores(POLICY, _frame())
    again = text_scores(POLICY, scored, terms=True)  # scored before: only the terms are read
    assert again["text_score"].to_list() == scored["text_score"].to_list()
    assert (
        again["text_terms"].to_list() == text_scores(POLICY, _frame(), True)["text_terms"].to_list()
    )


@pytest.mark.parametrize("row", range(len(TITLES)))
def test_a_row_of_the_batch_keeps_its_terms_and_a_lone_row_reads_the_same(row: int) -> None:
    read = text_scores(POLICY, _frame(), terms=True).row(row, named=True)
    assert with_text_terms(POLICY, read) is read
    lone = {k: v for k, v in read.items() if k != "text_terms"}
    shown = with_text_terms(POLICY, lone)
    assert shown.get("text_terms") == read["text_terms"]


def test_a_policy_without_the_reader_reads_nothing() -> None:
    off = POLICY.model_copy(
        update={
            "criteria": {
                name: spec.model_copy(update={"text_model": None})
                for name, spec in POLICY.criteria.items()
            }
        }
    )
    read = text_scores(off, _frame(), terms=True)
    assert read["text_score"].null_count() == read["text_terms"].null_count() == len(TITLES)


def test_decisions_of_an_evaluated_batch_name_the_words_of_each_report() -> None:
    records = [
        github_issue(title or "", body or "", number=i + 1)
        for i, (title, body) in enumerate(zip(TITLES, BODIES, strict=True))
    ]
    issues = [read_record(record, "test", Origin()) for record in records]
    frame = issues_frame(issues)  # type: ignore[arg-type]
    context = far_release()
    batch = evaluate(POLICY, frame, context)
    assert "text_terms" in batch.columns
    alone = evaluate(POLICY, frame, context, text_terms=False)
    assert "text_terms" not in alone.columns
    named = 0
    for with_terms, without in zip(
        batch.iter_rows(named=True), alone.iter_rows(named=True), strict=True
    ):
        decision = to_decision(POLICY, with_terms, context)
        assert decision == to_decision(POLICY, without, context)
        shown = _one_at_a_time(with_terms["title"], with_terms["body"])
        if with_terms["text_score"] is not None and shown:
            assert f"({shown})." in decision.model_dump_json()
            named += 1
    assert named >= 3
