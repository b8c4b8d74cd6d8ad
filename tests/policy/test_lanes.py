"""The lanes' sections of the policy file: validated at load, errors naming the place."""

from __future__ import annotations

import pytest

from hotgate.policy.definition.schema import PolicyError, default_policy_text, parse_policy


def test_the_default_policy_has_both_lanes() -> None:
    policy = parse_policy(default_policy_text())
    assert policy.changes is not None
    assert set(policy.changes.templates) == {
        "promo-banner",
        "shipping-notice",
        "stock-level",
        "product-copy",
    }
    assert set(policy.changes.protected_areas) == {
        "checkout",
        "cart",
        "payment",
        "account",
        "sign-in",
    }
    assert list(policy.changes.criteria) == ["simple", "needed", "safe"]
    assert (policy.fix_lane.max_lines, policy.fix_lane.max_files) == (400, 20)


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        (
            "          when: other_kinds\n",
            "          when: other_kind\n",
            "changes: criteria.simple.rules[0].when: unknown signal or field 'other_kind'",
        ),
        (
            "    wait_when: release_first\n",
            "    wait_when: release_first and\n",
            "timing.wait_when: ends too early",
        ),
        (
            "      allows: [stock, template]\n",
            "      allows: [stock, banner]\n",
            "changes.templates.stock-level.allows.1",
        ),
        (
            "      paths: ['**/checkout/**', '**/*checkout*']\n",
            "      paths: ['!']\n",
            "protected_areas.checkout.paths[0]: not a valid path glob",
        ),
        (
            "  need: ['\\bpromo(?:tion)?s?\\b',",
            "  need: ['(promo',",
            "need[0]: not a valid pattern",
        ),
        ("  max_lines: 400\n", "  max_lines: 0\n", "fix_lane.max_lines"),
        ("  lock_files: [", "  lock_file: [", "fix_lane.lock_file"),
        (
            "  limits: {pages: 3, files: 10}\n",
            "  limits: {pages: 3, files: lots}\n",
            "changes.limits.files",
        ),
        ("    safe:\n      title:", "    unsafe:\n      title:", "criteria: missing safe"),
    ],
)
def test_a_mistake_is_an_error_naming_its_place(old: str, new: str, place: str) -> None:
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.replace(old, new, 1), "team.yaml")
    message = str(caught.value)
    assert message.startswith("team.yaml: ")
    assert place in message


def test_a_policy_without_the_content_lane_still_loads() -> None:
    text = default_policy_text()
    start = text.index("\nchanges:")
    end = text.index("\n# The fix lane")
    policy = parse_policy(text[:start] + text[end:])
    assert policy.changes is None
