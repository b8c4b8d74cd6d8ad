"""Builders of tracker records and decision contexts for the tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hotgate.model import Comment, Issue
from hotgate.policy.deciding.engine import Context, release_on

AS_OF = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parent.parent
# ../shared/data beside the project root (in a worktree, beside one of its parents).
SHARED_DATA = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)


def far_release() -> Context:
    """A release two weeks away: nothing argues for waiting."""
    return Context(as_of=AS_OF, release=release_on("4.0", date(2026, 12, 7), AS_OF))


def github_issue(
    title: str, body: str = "", labels: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    """A GitHub REST issue object, trimmed to the fields hotgate reads."""
    number = extra.pop("number", 7)
    record = {
        "url": f"https://api.github.com/repos/acme/shop/issues/{number}",
        "repository_url": "https://api.github.com/repos/acme/shop",
        "html_url": f"https://github.com/acme/shop/issues/{number}",
        "node_id": f"I_{number}",
        "number": number,
        "title": title,
        "body": body,
        "labels": [{"name": label} for label in labels],
        "state": "open",
        "comments": 0,
        "user": {"login": "someone"},
        "created_at": "2026-11-20T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
    }
    record.update(extra)
    return record


def jira_issue(
    summary: str,
    description: str = "",
    priority: str = "Major",
    issuetype: str = "Bug",
    **fields: Any,
) -> dict[str, Any]:
    """A Jira REST issue object."""
    return {
        "id": "10001",
        "key": "PAY-1",
        "self": "https://acme.atlassian.net/rest/api/2/issue/10001",
        "fields": {
            "summary": summary,
            "description": description,
            "priority": {"name": priority},
            "issuetype": {"name": issuetype},
            "status": {"name": "Open"},
            "created": "2026-11-20T10:00:00.000+0000",
            **fields,
        },
    }


def bugzilla_bug(
    summary: str, text: str = "", severity: str = "normal", **extra: Any
) -> dict[str, Any]:
    """A Bugzilla REST bug object with its first comment inline, as archives store it."""
    record = {
        "id": 501,
        "summary": summary,
        "product": "Desktop",
        "component": "General",
        "severity": severity,
        "priority": "--",
        "status": "NEW",
        "resolution": "",
        "comments": [{"id": 1, "count": 0, "text": text}],
        "creation_time": "2026-11-20T10:00:00Z",
    }
    record.update(extra)
    return record


def mixed_issues() -> list[Issue]:
    """Five bugs that take different paths through the reading: a crash for all, a negated crash
    with a workaround and a quoted panic, non-ASCII text, a maintainer's comment, a label."""
    maintainer = Comment(text="Confirmed: every user is hit. No workaround.", role="maintainer")
    return [
        Issue(key="t:1", source="t", title="Checkout crashes for all customers", body="500s."),
        Issue(
            key="t:2",
            source="t",
            title="Login page does not crash but shows the wrong total",
            body="Workaround: reload the page, then log in again.\n```\npanic: nil map\n```",
        ),
        Issue(key="t:3", source="t", title="naïve café tooltip typo", body="Ünicode ✓ only on iOS"),
        Issue(key="t:4", source="t", title="Export slow", comments=[maintainer]),
        Issue(key="t:5", source="t", title="x", body="", component="checkout", labels=["P1"]),
    ]
