"""The condition language: parsing, checking names and kinds, and evaluating as columns."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotgate.policy.definition.condition import (
    ConditionError,
    first_of,
    held,
    holds,
    names_in,
    parse,
    to_polars,
)

NAMES = {
    "crash": "bool",
    "hang": "bool",
    "severity": "number",
    "votes": "number",
    "status": "string",
}
FRAME = pl.DataFrame(
    {
        "crash": [True, False, False, None],
        "hang": [False, True, False, True],
        "severity": [1, 3, None, 2],
        "votes": [0, 30, 5, None],
        "status": ["open", "closed", "OPEN", None],
    }
)

TRUTH = [
    ("crash", [True, False, False, False]),
    ("crash or hang", [True, True, False, True]),
    ("crash and not hang", [True, False, False, False]),
    ("not crash", [False, True, True, True]),
    ("severity <= 2", [True, False, False, True]),
    ("severity + votes >= 30", [False, True, False, False]),
    ("votes - 5 == 0", [False, False, True, False]),
    ("(crash or hang) and severity < 3", [True, False, False, True]),
    ("status == 'open'", [True, False, True, False]),
    ('status != "closed"', [True, False, True, False]),
]


@pytest.mark.parametrize(("text", "expected"), TRUTH)
def test_evaluates_over_columns_with_missing_values_false(text: str, expected: list[bool]) -> None:
    result = FRAME.select(to_polars(parse(text, NAMES)).alias("r"))["r"].to_list()
    assert result == expected


ERRORS = [
    ("", "is empty"),
    ("crash or", "ends too early"),
    ("crsh", "unknown signal or field 'crsh'"),
    ("severity", "the whole condition needs a bool"),
    ("crash > 1", "cannot compare bool with number"),
    ("status < 'a'", "text can only be compared with == or !="),
    ("crash hang", "unexpected 'hang'"),
    ("crash & hang", "cannot read"),
    ("(crash", "a parenthesis is not closed"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(")):
        parse(text, NAMES)


def test_names_in_order_of_use() -> None:
    assert names_in(parse("(crash or hang) and severity <= 2 and crash", NAMES)) == [
        "crash",
        "hang",
        "severity",
    ]


@pytest.mark.parametrize(("text", "expected"), TRUTH)
def test_one_row_agrees_with_the_columns(text: str, expected: list[bool]) -> None:
    node = parse(text, NAMES)
    assert [holds(node, row) for row in FRAME.iter_rows(named=True)] == expected


HELD = [
    ("crash or hang", 1, ["hang"]),
    ("crash or hang", 3, ["hang"]),
    ("(crash or hang) and severity < 3", 0, ["crash", "severity"]),
    ("crash and not hang", 0, ["crash"]),
    ("severity + votes >= 30", 1, ["severity", "votes"]),
    ("not crash", 1, []),
    ("severity <= 2", 2, []),
]


@pytest.mark.parametrize(("text", "row", "expected"), HELD)
def test_held_names_only_what_made_it_true(text: str, row: int, expected: list[str]) -> None:
    assert held(parse(text, NAMES), FRAME.row(row, named=True)) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([True, False, None]), min_size=4, max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_first_of_answers_as_a_when_then_chain(rows: list[list[bool | None]]) -> None:
    """The flat form takes the first branch that holds, a null condition never, like the chain."""
    frame = pl.DataFrame(
        {f"c{i}": [row[i] for row in rows] for i in range(4)},
        schema={f"c{i}": pl.Boolean for i in range(4)},
    )
    branches = [(pl.col(f"c{i}"), pl.lit(f"b{i}")) for i in range(4)]
    chain: Any = pl
    for condition, value in branches:
        chain = chain.when(condition).then(value)
    got = frame.select(
        flat=first_of(branches, pl.lit("none")), chained=chain.otherwise(pl.lit("none"))
    )
    assert got["flat"].to_list() == got["chained"].to_list()
    assert got["flat"].null_count() == 0


_LEAVES = st.sampled_from(["crash", "hang", "severity <= 2", "votes > 4", "status == 'open'"])


def _conditions(leaf: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds("not ({})".format, inner),
            st.builds("({}) and ({})".format, inner, inner),
            st.builds("({}) or ({})".format, inner, inner),
        ),
        max_leaves=8,
    )


@settings(max_examples=150, deadline=None)
@given(
    _conditions(_LEAVES),
    st.lists(
        st.tuples(
            st.sampled_from([True, False, None]),
            st.sampled_from([True, False, None]),
            st.sampled_from([1, 3, None]),
            st.sampled_from([0, 30, None]),
            st.sampled_from(["open", "closed", None]),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_any_condition_over_missing_values_agrees_with_one_row_reading(
    text: str, rows: list[tuple[object, ...]]
) -> None:
    """Columns and the per-row reading (a missing value is false at every operand) agree,
    whatever the nesting of not, and, or over missing values."""
    frame = pl.DataFrame(
        rows,
        schema={
            "crash": pl.Boolean,
            "hang": pl.Boolean,
            "severity": pl.Int64,
            "votes": pl.Int64,
            "status": pl.String,
        },
        orient="row",
    )
    node = parse(text, NAMES)
    columns = frame.select(to_polars(node).alias("r"))["r"].to_list()
    assert columns == [holds(node, row) for row in frame.iter_rows(named=True)]
