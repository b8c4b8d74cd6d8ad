"""Write-back: a decision posted as a comment and a label, never twice for the same decision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from pydantic import SecretStr

from hotgate.model import Decision, Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy
from hotgate.service import decide_issue
from hotgate.sources.github_api import GitHubConnector, GitHubSettings
from hotgate.sync.config import WriteBack
from hotgate.sync.write_back import WriteBackReport, issue_number, marker, write_back

from .replay import Replay

Start = Callable[[str], Replay]


def _decision(number: int, answers: dict[str, str]) -> Decision:
    issue = Issue(
        key=f"github:acme/shop#{number}",
        source="github",
        title="Checkout crashes for every user",
        answers=answers,  # type: ignore[arg-type]
    )
    return decide_issue(issue, load_policy(None), Context(as_of=date(2024, 6, 1), release=None))


def test_posted_once_then_recognised_by_its_marker(replay: Start) -> None:
    server = replay("github_writeback")
    decision = _decision(41, {"significant": "yes", "broad_reach": "yes", "no_workaround": "yes"})
    assert decision.verdict == "hotfix"
    for interaction in server.interactions:
        if "{marker}" in str(interaction.get("body")):
            interaction["body"] = [{"body": f"{marker(decision)}\n\n- earlier"}]
    settings = GitHubSettings(url=server.base, token=SecretStr("t"), attempts=1)
    connector = GitHubConnector(GitHubConnector.parse("acme/shop"), settings)
    options = WriteBack(comment=True, labels=True)

    first = WriteBackReport()
    write_back(connector, options, [decision], first)
    assert (first.comments, first.labels, first.already, first.failed) == (1, 1, 0, [])
    posted = [s for s in server.seen if s.method == "POST"]
    assert posted[0].body["body"].startswith(marker(decision))
    assert posted[1].body == {"labels": ["hotfix-candidate"]}

    again = WriteBackReport()
    failing = _decision(43, {"significant": "no"})
    write_back(connector, options, [decision, failing], again)
    assert (again.comments, again.labels, again.already) == (0, 1, 1)
    assert len(again.failed) == 1
    assert again.failed[0].startswith("github:acme/shop#43: github: access denied (403")
    assert server.unused() == []


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("github:acme/shop#41", "41"),
        ("gitlab:group/sub/project#8", "8"),
        ("jira:jira.example.org/SHOP-12", "SHOP-12"),
        ("jira:SHOP-12", "SHOP-12"),
        ("bugzilla:bugzilla.mozilla.org#1606681", "1606681"),
    ],
)
def test_issue_numbers_from_keys(key: str, number: str) -> None:
    assert issue_number(key) == number
