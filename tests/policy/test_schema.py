"""The policy loader: the default policy loads, and every mistake is named by its place."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest

from hotgate.policy.definition import schema
from hotgate.policy.definition.schema import (
    Policy,
    PolicyError,
    default_policy_text,
    load_policy,
    made_once,
    parse_policy,
)

DEFAULT = default_policy_text()


def test_default_policy_loads_with_a_digest() -> None:
    policy = load_policy()
    assert policy.name == "default"
    assert len(policy.sha256) == 64
    assert policy.criterion_names() == ["significant", "broad_reach", "no_workaround"]
    assert policy.timing.wait_within_days == 3


def test_criteria_are_degrees_of_belief_with_priors_and_weights() -> None:
    policy = parse_policy(DEFAULT)
    significant = policy.criteria["significant"]
    assert 0 < significant.prior < 1
    assert significant.rules[0].name == "closed-as-not-a-bug"
    assert significant.rules[0].weight < 0  # evidence towards no
    assert policy.decision.no_at < 0.5 < policy.decision.yes_at
    assert policy.audience == "end-users"


MISTAKES = [
    (
        "unknown-signal",
        ("when: not_a_bug, weight", "when: not_a_bugg, weight"),
        r"criteria\.significant\.rules\[0\]\.when: unknown signal or field 'not_a_bugg'",
    ),
    (
        "unknown-field-in-signal",
        ("fields: {type: [crash]}", "fields: {kind: [crash]}"),
        r"signals\.crash\.fields: unknown field 'kind'",
    ),
    (
        "bad-pattern",
        ("'\\bsegfault'", "'\\bsegfault('"),
        r"signals\.crash\.text\[1\]: not a valid pattern",
    ),
    (
        "comparing-signal",
        ("when: wrong_results, weight", "when: wrong_results >= 2, weight"),
        r"criteria\.significant\.rules\[\d+\]\.when: cannot compare bool with number",
    ),
    (
        "unclosed-parenthesis",
        ("when: (enhancement or documentation) and", "when: ((enhancement or documentation) and"),
        r"criteria\.significant\.rules\[\d+\]\.when: a parenthesis is not closed",
    ),
    (
        "number-as-condition",
        ("when: many_reports, weight", "when: duplicates, weight"),
        r"criteria\.broad_reach\.rules\[\d+\]\.when: the whole condition needs a bool",
    ),
    (
        "bad-weight",
        ('weight: 4, because: "Data loss', 'weight: strong, because: "Data loss'),
        r"criteria\.significant\.rules\.\d+\.weight",
    ),
    (
        "negative-window",
        ("wait_within_days: 3", "wait_within_days: -1"),
        r"timing\.wait_within_days",
    ),
    (
        "unknown-section",
        ("name: default\n", "name: default\nspeed: fast\n"),
        "speed: Extra inputs are not permitted",
    ),
    (
        "derived-unknown",
        ("many_reports: duplicates >= 3", "many_reports: dupes >= 3"),
        r"derived\.many_reports: unknown signal or field 'dupes'",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_mistakes_are_named_by_place(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in DEFAULT, old
    with pytest.raises(PolicyError) as raised:
        parse_policy(DEFAULT.replace(old, new, 1), "team.yaml")
    assert str(raised.value).startswith("team.yaml: ")
    assert re.search(message, str(raised.value)), str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_criterion_is_an_error() -> None:
    text = DEFAULT.replace("  no_workaround:\n    title:", "  no_workaround_x:\n    title:")
    with pytest.raises(PolicyError, match="criteria: missing no_workaround"):
        parse_policy(text, "p.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "p.yaml: line 1: not valid YAML"),
        ("- just\n- a list\n", "p.yaml: a policy is a mapping of sections, got list"),
    ],
)
def test_unreadable_files(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message.replace("[", r"\[")):
        parse_policy(text, "p.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


def test_what_is_made_of_a_policy_is_made_once_per_policy() -> None:
    built: list[str] = []

    def build(policy: Policy) -> list[str]:
        built.append(policy.name)
        return [policy.timing.model_dump_json()]

    policy = load_policy()
    first = made_once(policy, build)
    assert made_once(policy, build) is first
    assert built == ["default"]
    # A changed copy is another policy: it gets its own, never the original's.
    changed = policy.model_copy(
        update={"timing": policy.timing.model_copy(update={"wait_within_days": 9})}
    )
    assert made_once(changed, build) != first
    assert len(built) == 2


def test_what_is_made_of_a_policy_goes_with_it() -> None:
    def build(policy: Policy) -> str:
        return policy.name

    policy = load_policy()
    made_once(policy, build)
    key = (id(policy), build)
    assert key in schema._MADE
    del policy
    gc.collect()
    assert key not in schema._MADE
