"""The JSON Lines fast path validates exactly as the per-record path: same issues, same skips."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hotgate.model import Issue
from hotgate.policy.reading.signals import issue_row
from hotgate.sources.base import Origin, Skipped
from hotgate.sources.reader import _chunk, _from_document
from hotgate.sources.reader import as_objects as _as_objects

ODD = st.sampled_from(
    [None, "", "  ", 0, -1, 1.5, True, "abc", "yesterday", {"x": 1}, [1, 2], [], {}, "[x]", "{y}"]
)
TEXT = st.text(max_size=12) | ODD
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "number": st.integers(min_value=0, max_value=10**6) | ODD,
    "title": TEXT,
    "body": TEXT,
    "state": st.sampled_from(["open", "closed", "OPEN"]) | ODD,
    "state_reason": st.sampled_from(["not_planned", "completed"]) | ODD,
    "labels": st.lists(st.sampled_from(["bug", "P1", ""]) | st.fixed_dictionaries({"name": TEXT}))
    | ODD,
    "comments": st.integers(min_value=-2, max_value=50) | ODD,
    "reactions": st.fixed_dictionaries({"total_count": st.integers(-1, 9) | ODD}) | ODD,
    "reactions_data": st.lists(st.fixed_dictionaries({"content": st.just("+1")})) | ODD,
    "created_at": st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-01T10:00:00+02:00"]) | ODD,
    "updated_at": st.sampled_from(["2024-05-02T10:00:00Z"]) | ODD,
    "events": st.lists(st.fixed_dictionaries({"event": st.sampled_from(["marked_as_duplicate"])}))
    | ODD,
    "type": st.fixed_dictionaries({"name": TEXT}) | ODD,
    "html_url": st.just("https://github.com/a/b/issues/1") | ODD,
    "pull_request": st.just({"url": "https://api.github.com/repos/a/b/pulls/1"}),
}


@st.composite
def github_records(draw: st.DrawFn) -> dict[str, Any]:
    """A GitHub-shaped record whose fields may each be missing, right, or of the wrong kind."""
    record: dict[str, Any] = {
        "number": 1,
        "title": "A crash",
        "repository_url": "https://api.github.com/repos/a/b",
        "node_id": "I_1",
    }
    for name in draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=6)):
        record[name] = draw(FIELDS[name])
    return record


def _shape(items: list[Any]) -> list[Any]:
    shaped = []
    for item in items:
        if isinstance(item, Issue):
            shaped.append(issue_row(item))
        else:
            shaped.append(type(item).__name__)
    return shaped


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(github_records(), min_size=2, max_size=6))
# Python's strip() takes U+001C..U+001F as whitespace and polars' does not (found by hypothesis).
@example([{"number": 1, "title": "\x1f", "node_id": "I_1"}, {"number": 2, "title": "a\x1c"}])
# A null reactions summary beside an archiver's reactions_data list (found by hypothesis).
@example(
    [
        {"number": 1, "title": "A crash", "node_id": "I_1"},
        {"number": 2, "title": "A", "node_id": "I_2", "reactions": None, "reactions_data": [{}]},
    ]
)
def test_fast_path_reads_as_the_record_path_does(records: list[dict[str, Any]]) -> None:
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    fast = _shape(list(_as_objects(_chunk(data, 0, "f", Origin()))))
    one_by_one: list[Any] = []
    for number, record in enumerate(records, start=1):
        one_by_one.extend(_from_document(record, f"f line {number}", Origin(), single=True))
    slow = _shape(one_by_one)
    # the same issues in the same order; the same number of skipped and ignored records
    assert [x for x in fast if isinstance(x, dict)] == [x for x in slow if isinstance(x, dict)]
    assert sorted(x for x in fast if isinstance(x, str)) == sorted(
        x for x in slow if isinstance(x, str)
    )
    # every malformed record is named: skipped ones say which line
    for item in one_by_one:
        if isinstance(item, Skipped):
            assert item.where.startswith("f line ")
