"""The policy loader: the default policy loads, and every mistake is named by its place."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from hotgate.policy import schema
from hotgate.policy.schema import (
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


def test_bare_yes_and_no_in_yaml_mean_answers() -> None:
    policy = parse_policy(DEFAULT)
    assert policy.criteria["significant"].rules[0].answer == "no"
    assert set(policy.risk.reach_by_answer) == {"yes", "no", "unknown"}


MISTAKES = [
    (
        "unknown-signal",
        ("when: not_a_bug\n", "when: not_a_bugg\n"),
        "criteria.significant.rules[0].when: unknown signal or field 'not_a_bugg'",
    ),
    (
        "unknown-field-in-signal",
        ("fields: {type: [crash]}", "fields: {kind: [crash]}"),
        "signals.crash.fields: unknown field 'kind'",
    ),
    (
        "bad-pattern",
        ("'\\bsegfault'", "'\\bsegfault('"),
        "signals.crash.text[1]: not a valid pattern",
    ),
    (
        "comparing-signal",
        ("when: wrong_results\n", "when: wrong_results >= 2\n"),
        "criteria.significant.rules[4].when: cannot compare bool with number",
    ),
    (
        "unclosed-parenthesis",
        ("when: (enhancement or documentation) and", "when: ((enhancement or documentation) and"),
        "criteria.significant.rules[1].when: a parenthesis is not closed",
    ),
    (
        "number-as-condition",
        ("when: many_reports and every_user\n", "when: duplicates\n"),
        "criteria.broad_reach.rules[4].when: the whole condition needs a bool",
    ),
    (
        "bad-answer",
        ("answer: yes\n        because: Data loss", "answer: maybe\n        because: Data loss"),
        "criteria.significant.rules.2.answer",
    ),
    ("negative-window", ("wait_within_days: 3", "wait_within_days: -1"), "timing.wait_within_days"),
    (
        "unknown-section",
        ("name: default\n", "name: default\nspeed: fast\n"),
        "speed: Extra inputs are not permitted",
    ),
    (
        "derived-unknown",
        ("many_reports: duplicates >= 3", "many_reports: dupes >= 3"),
        "derived.many_reports: unknown signal or field 'dupes'",
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
    assert message in str(raised.value)
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
