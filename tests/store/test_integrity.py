"""The store's share of integrity: cut texts, attributed answers, standing rejections, replays."""

from __future__ import annotations

from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotgate import store
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import Context, evaluate
from hotgate.policy.reading.signals import issues_frame
from hotgate.store.cutting import TITLE_LIMIT, cut, cut_document, cut_json
from hotgate.store.tables import webhook_deliveries
from samples import SAMPLE_DAY, builtin_policy, sample_decisions, sample_issue


def sample_context() -> Context:
    """The day the sample decisions are made, with no release known."""
    return context_from_options(SAMPLE_DAY, None)


YES = {"significant": "yes", "broad_reach": "yes", "no_workaround": "yes"}
LONG = "Checkout crashes " + "x" * 4_999_983  # 5,000,000 characters


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("eleven char", 10, "eleven cha… [cut: 11 characters in all]"),
        ("a\x00b", 10, "a\ufffdb"),
    ],
)
def test_cut(text: str, limit: int, kept: str) -> None:
    assert cut(text, limit) == kept


def test_cut_document_names_each_cut_place() -> None:
    cuts: dict[str, int] = {}
    kept = cut_document({"title": "t" * 1_001, "labels": ["l" * 2_001], "body": "b" * 10}, cuts)
    assert cuts == {"title": 1_001, "labels.0": 2_001}
    assert kept["body"] == "b" * 10
    assert kept["labels"][0].endswith("… [cut: 2,001 characters in all]")


def _slow_way(document: dict[str, Any]) -> bytes:
    cuts: dict[str, int] = {}
    kept = cut_document(document, cuts)
    return orjson.dumps({**kept, "cut": cuts} if cuts else kept)


_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="ab ", min_size=990, max_size=2_100),  # long, plain
    st.text(alphabet=st.sampled_from('a"\\é日\n'), min_size=500, max_size=2_100),  # escapes
    st.text(alphabet=st.sampled_from('a"\\\x00é日\n'), min_size=990, max_size=2_100),
)
_DOCUMENTS = st.recursive(
    st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), _TEXT),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["title", "body", "url", "excerpt", "x"]), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(st.sampled_from(["subject", "title", "reasons"]), _DOCUMENTS))
@example(document={"title": "t" * 1_000, "body": "b" * 100_000})  # at the limits: kept whole
@example(document={"title": "t" * 1_001, "excerpt": "e" * 2_001})  # just over: cut
@example(document={"title": "é" * 600})  # 1,200 bytes, 600 characters: fits
@example(document={"reasons": ["x\x00y"]})  # NUL, which PostgreSQL cannot keep
@example(document={"subject": {"title": '"' * 1_001}})  # escapes lengthen the JSON
def test_cut_json_keeps_what_the_walk_keeps(document: dict[str, Any]) -> None:
    # The fast path skips the walk only when nothing can need cutting: always the same bytes.
    assert cut_json(document) == _slow_way(document)


def test_a_huge_title_is_stored_cut_everywhere(session: Session) -> None:
    issue = sample_issue(1, title=LONG)
    store.upsert_issues(session, [issue])
    store.record_decisions(session, sample_decisions([issue]))
    note = "… [cut: 5,000,000 characters in all]"
    stored = store.get_issue(session, issue.key)
    assert stored is not None and stored.title == LONG[:TITLE_LIMIT] + note
    [summary], _ = store.list_decisions(session)
    assert summary.title == LONG[:TITLE_LIMIT] + note
    record = store.get_decision(session, summary.id)
    assert record is not None
    assert record.evidence["cut"] == {"subject.title": 5_000_000}
    # the issue did not change: the store compares what it keeps, not the whole title
    assert store.changed_issues(session, [issue]) == []


def test_a_bulk_run_cuts_long_titles_and_keeps_nul_out(session: Session) -> None:
    policy = builtin_policy()
    # the fast path reads JSON Lines as columns, without the Issue model that refuses NUL
    read = issues_frame([sample_issue(1, title=LONG), sample_issue(2)])
    read = read.with_columns(
        title=pl.when(pl.col("key").str.ends_with("#2"))
        .then(pl.lit("Crash on\x00 save"))
        .otherwise(pl.col("title"))
    )
    frame = evaluate(policy, read, sample_context())
    store.record_documents(session, decision_documents(policy, frame, sample_context()))
    titles = {d.subject_key: d.title for d in store.list_decisions(session)[0]}
    assert titles == {
        "github:acme/shop#1": LONG[:TITLE_LIMIT] + "… [cut: 5,000,000 characters in all]",
        "github:acme/shop#2": "Crash on\ufffd save",
    }


def test_answers_are_kept_with_who_gave_them_only_when_a_decision_rests_on_them(
    session: Session,
) -> None:
    answered = sample_issue(1, "no-hotfix", answers=YES)
    plain = sample_issue(2)
    store.record_decisions(
        session, sample_decisions([answered, plain]), answered_by="lee", answered_role="requester"
    )
    found = {
        d.subject_key: (d.answered_by, d.answered_role) for d in store.list_decisions(session)[0]
    }
    assert found == {
        "github:acme/shop#1": ("lee", "requester"),
        "github:acme/shop#2": (None, None),
    }


def test_a_bulk_run_keeps_who_ran_it_on_answered_rows(session: Session) -> None:
    policy = builtin_policy()
    issues = [sample_issue(1, "no-hotfix", answers=YES), sample_issue(2)]
    frame = evaluate(policy, issues_frame(issues), sample_context())
    documents = decision_documents(policy, frame, sample_context())
    store.record_documents(session, documents, answered_by="cli:lee")
    found = {d.subject_key: d.answered_by for d in store.list_decisions(session)[0]}
    assert found == {"github:acme/shop#1": "cli:lee", "github:acme/shop#2": None}


@pytest.mark.parametrize("bulk", [False, True], ids=["decisions", "bulk"])
def test_a_rejection_stands_through_new_assessments(session: Session, bulk: bool) -> None:
    issue = sample_issue(1)
    store.record_decisions(session, sample_decisions([issue]))
    [first], _ = store.list_decisions(session)
    store.review(session, first.id, "reject", "ada", reason="not now")
    for _ in range(2):  # twice: the second new assessment follows one that was carried
        if bulk:
            policy = builtin_policy()
            frame = evaluate(policy, issues_frame([issue]), sample_context())
            store.record_documents(session, decision_documents(policy, frame, sample_context()))
        else:
            store.record_decisions(session, sample_decisions([issue]))
        [latest], _ = store.list_decisions(session)
        assert (latest.verdict, latest.state) == ("hotfix", "rejected")
    store.review(session, latest.id, "override", "ada", verdict="hotfix", reason="checked")
    store.record_decisions(session, sample_decisions([issue]))
    [after], _ = store.list_decisions(session)
    assert after.state == "proposed"


def test_the_same_key_twice_in_one_batch_keeps_the_rejection(session: Session) -> None:
    issue = sample_issue(1)
    store.record_decisions(session, sample_decisions([issue]))
    [first], _ = store.list_decisions(session)
    store.review(session, first.id, "reject", "ada", reason="not now")
    store.record_decisions(session, sample_decisions([issue, issue]))
    every, _ = store.list_decisions(session, latest_only=False)
    assert [d.state for d in sorted(every, key=lambda d: d.id)] == ["rejected"] * 3


@pytest.mark.parametrize(
    ("delivery", "body"),
    [("d-1", b"{}"), ("d-2", b'{"a": 1}'), (None, b'{"a": 1}')],
    ids=["same-id", "same-body", "same-body-no-id"],
)
def test_a_delivery_is_kept_once(session: Session, delivery: str | None, body: bytes) -> None:
    store.note_delivery(session, "github", "d-1", b'{"a": 1}', "github:acme/shop#1")
    with pytest.raises(store.DeliveryReplayError, match="already received"):
        store.note_delivery(session, "github", delivery, body)
    store.note_delivery(session, "gitlab", "d-1", b'{"a": 1}')  # another tracker's ids are its own


def test_the_database_refuses_a_replay_that_races_the_check(session: Session) -> None:
    store.note_delivery(session, "jira", "d-1", b"{}")
    session.flush()
    with pytest.raises(IntegrityError):
        session.execute(
            webhook_deliveries.insert().values(
                tracker="jira", delivery_id="d-1", body_sha256="0" * 64, received_at=SAMPLE_DAY
            )
        )
