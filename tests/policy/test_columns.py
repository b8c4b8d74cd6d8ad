"""Decisions built over a batch's columns are byte for byte the decisions built one by one.

The per-decision path (engine.to_decision, pydantic models dumped as JSON) is the reference;
policy/columns.py must write the same bytes for the example backlog, every conformance case of
tests/policy/cases/, a few thousand generated issues, and rows made to take its fallbacks.
"""

from __future__ import annotations

import importlib.util
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
import yaml

from builders import AS_OF
from hotgate.model import Issue
from hotgate.policy.deciding.columns import (
    Fallbacks,
    decision_documents,
    json_lines,
    ranked,
    ranked_entries,
    ranked_json,
)
from hotgate.policy.deciding.engine import Context, evaluate, release_on, to_decision
from hotgate.policy.definition.schema import Blackout, Policy, load_policy
from hotgate.policy.reading.signals import issues_frame
from hotgate.service import Tally, evaluated_batches, ranked_entries_of
from hotgate.sources.base import Origin
from hotgate.sources.reader import read_items, read_record

ROOT = Path(__file__).parents[2]
CASES_DIR = Path(__file__).parent / "cases"
BLIND_DIR = Path(__file__).parent / "blind_cases"
ORIGINS = {"bugzilla": Origin(host="bugzilla.example.org")}


def _one_by_one(policy: Policy, frame: pl.DataFrame, context: Context) -> bytes:
    rows = frame.iter_rows(named=True)
    return b"".join(
        orjson.dumps(to_decision(policy, row, context).model_dump(mode="json")) + b"\n"
        for row in rows
    )


def _same(policy: Policy, frame: pl.DataFrame, context: Context) -> Fallbacks:
    """Assert both paths write the same JSON Lines for an evaluated frame; the fallbacks taken."""
    fallbacks = Fallbacks()
    columns = json_lines(decision_documents(policy, frame, context, fallbacks))
    expected = _one_by_one(policy, frame, context)
    for i, (got, want) in enumerate(zip(columns.splitlines(), expected.splitlines(), strict=True)):
        assert got == want, f"row {i} differs"
    assert columns == expected
    return fallbacks


CONTEXTS = {
    "no release": Context(as_of=AS_OF),
    "release in 2 days": Context(
        as_of=AS_OF, release=release_on("4.2", AS_OF + timedelta(days=2), AS_OF)
    ),
    "release in 20 days": Context(
        as_of=AS_OF, release=release_on("4.2", AS_OF + timedelta(days=20), AS_OF)
    ),
    "blackout": Context(
        as_of=AS_OF,
        release=release_on("4.2", AS_OF + timedelta(days=2), AS_OF),
        blackout=Blackout(
            name="year end", start=AS_OF, end=AS_OF + timedelta(days=9), because="Stores close."
        ),
    ),
}


def _batches(path: str, context: Context, origin: Origin | None = None) -> list[pl.DataFrame]:
    policy = load_policy()
    return list(evaluated_batches(read_items(path, origin), policy, context, Tally()))


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_example_backlog_is_the_same_byte_for_byte(name: str) -> None:
    context = CONTEXTS[name]
    frames = _batches(str(ROOT / "examples" / "backlog"), context)
    assert sum(frame.height for frame in frames) > 20
    for frame in frames:
        _same(load_policy(), frame, context)


def _case_issues() -> list[Issue]:
    issues = []
    paths = [*sorted(CASES_DIR.glob("*.yaml")), *sorted(BLIND_DIR.glob("*.yaml"))]
    for path in paths:
        for case in yaml.safe_load(path.read_text("utf-8")) or []:
            origin = ORIGINS.get(path.stem, Origin())
            issue = read_record(case["record"], case["id"], origin)
            assert isinstance(issue, Issue)
            # a person's answers too, so the answered-by-a-person evidence is compared
            answers = case.get("answers") or {}
            if len(issues) % 5 == 0 and answers:
                issue = issue.model_copy(update={"answers": dict(list(answers.items())[:1])})
            issues.append(issue)
    return issues


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_every_conformance_case_is_the_same_byte_for_byte(name: str) -> None:
    issues = _case_issues()
    assert len(issues) > 100
    policy = load_policy()
    context = CONTEXTS[name]
    _same(policy, evaluate(policy, issues_frame(issues), context), context)


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_issues_are_the_same_byte_for_byte(tmp_path: Path) -> None:
    path = _generator().generate(3_000, tmp_path / "issues.jsonl", seed=12)
    context = CONTEXTS["release in 20 days"]
    frames = _batches(str(path), context)
    assert sum(frame.height for frame in frames) == 3_000
    for frame in frames:
        _same(load_policy(), frame, context)


def _odd_issue(number: int, rng: random.Random) -> dict[str, Any]:
    """Issues that take every fallback: negations, odd whitespace, letters whose case changes
    length, non-ASCII words next to signal phrases, long texts and maintainer comments."""
    parts = [
        "The app crashes on start",
        "It does not crash any more but hangs forever",
        "İstanbul users: the checkout fails with an error",
        "naïve café — the page is blank after the update",
        "there is no workaround",
        "Workaround: reload the page.",
        "field\x1fseparator in the text, crashes",
        "about 40% of users see it",
        'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad',
        "  spaced   out\t\ttext  ",
        "ß and ﬁ ligatures, data loss",
    ]
    body = " ".join(rng.choice(parts) for _ in range(rng.randrange(1, 6)))
    if rng.random() < 0.2:
        body = body + " filler" * rng.randrange(10, 300)
    comments = [
        {"text": rng.choice(parts), "role": rng.choice(["maintainer", "other"])}
        for _ in range(rng.randrange(0, 3))
    ]
    return {
        "key": f"test:{number}",
        "source": "test",
        "title": rng.choice(parts)[:60] + " " + str(number),
        "body": body,
        "labels": rng.sample(["bug", "crash", "P1", "severity-critical", "regression", "ux"], 2),
        "component": rng.choice([None, "Checkout", "login", "docs\x1e"]),
        "comments": comments,
        "comment_count": len(comments),
        "fix_lines": rng.choice([None, 3, 400]),
        "fix_has_tests": rng.choice([None, True, False]),
        "created": "2026-11-01T10:00:00.123456Z" if number % 2 else None,
    }


def test_rows_that_take_the_fallbacks_are_the_same_byte_for_byte() -> None:
    rng = random.Random(5)
    issues = [Issue.model_validate(_odd_issue(n, rng)) for n in range(400)]
    policy = load_policy()
    context = CONTEXTS["release in 2 days"]
    fallbacks = _same(policy, evaluate(policy, issues_frame(issues), context), context)
    assert fallbacks.rows > 0
    assert fallbacks.excerpts > 0


def test_json_ranks_documents_as_the_per_decision_path_did() -> None:
    context = CONTEXTS["no release"]
    frames = _batches(str(ROOT / "examples" / "backlog"), context)
    documents = [d for frame in frames for d in decision_documents(load_policy(), frame, context)]
    order = ranked(documents)
    verdicts = [d["verdict"] for d in order]
    assert verdicts.index("hotfix") < verdicts.index("no-hotfix")
    keys = [
        (d["verdict"], -d["risk"]["cost_of_waiting"], d["subject"]["key"])
        for d in order
        if d["verdict"] == order[0]["verdict"]
    ]
    assert keys == sorted(keys)
    assert date.fromisoformat(order[0]["as_of"]) == AS_OF


def test_ranked_json_writes_the_bytes_of_the_whole_ranked_list() -> None:
    context = CONTEXTS["no release"]
    frames = _batches(str(ROOT / "examples" / "backlog"), context)
    batches = [decision_documents(load_policy(), frame, context) for frame in frames]
    batches.append(batches[0][:3])  # the same keys again, in a later batch: order is kept
    everything = [d for batch in batches for d in batch]
    whole = orjson.dumps(ranked(everything), option=orjson.OPT_INDENT_2) + b"\n"
    assert b"".join(ranked_json(ranked_entries(batch) for batch in batches)) == whole
    lines = (json_lines(batch) for batch in batches)  # as triage --format json reads them
    assert b"".join(ranked_json(ranked_entries_of(lines))) == whole
    assert b"".join(ranked_json([])) == b"[]\n" == orjson.dumps([]) + b"\n"
