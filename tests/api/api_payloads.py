"""Request bodies written for the API tests, in the shapes trackers send."""

from __future__ import annotations

from typing import Any

# the webhook secrets the test server is configured with
SECRETS = {
    "github_webhook_secret": "gh-secret-for-tests",
    "gitlab_webhook_token": "gl-token-for-tests",
    "jira_webhook_secret": "jira-secret-for-tests",
}


def github_issue(
    number: int = 12, title: str = "Checkout crashes for every user"
) -> dict[str, Any]:
    """A GitHub REST issue object."""
    return {
        "number": number,
        "node_id": f"I_kw{number}",
        "html_url": f"https://github.com/acme/shop/issues/{number}",
        "repository_url": "https://api.github.com/repos/acme/shop",
        "title": title,
        "body": (
            "The app crashes on checkout for every user, on every page. There is no workaround."
        ),
        "labels": [{"name": "severity-critical"}],
        "state": "open",
        "comments": 3,
        "reactions": {"total_count": 5},
        "user": {"login": "reporter"},
        "created_at": "2026-10-30T10:00:00Z",
        "updated_at": "2026-10-31T10:00:00Z",
    }


def hotgate_issue(number: int, kind: str = "typo") -> dict[str, Any]:
    """hotgate's own issue document."""
    bodies = {
        "typo": ("Typo on the about page", "A cosmetic typo in the footer text.", ["typo"]),
        "crash": (
            "Checkout crashes for every user",
            "The app crashes on checkout for every user, on every page. There is no workaround.",
            ["severity-critical"],
        ),
    }
    title, body, labels = bodies[kind]
    return {
        "key": f"jira:acme.atlassian.net/SHOP-{number}",
        "source": "jira",
        "title": title,
        "body": body,
        "labels": labels,
    }


def own_issue(number: int, **fields: Any) -> dict[str, Any]:
    """An issue in hotgate's own format under a key of its writer's own (not a tracker's)."""
    return {
        "key": f"ops:INC-{number}",
        "source": "hotgate",
        "title": "Checkout crashes for every user",
        "body": "The app crashes on checkout for every user, on every page.",
        **fields,
    }


def github_event(action: str = "opened", **issue: Any) -> dict[str, Any]:
    """A GitHub `issues` webhook delivery."""
    return {
        "action": action,
        "issue": github_issue(**issue),
        "repository": {"full_name": "acme/shop"},
    }


def gitlab_event(
    iid: int = 5, title: str = "Payment page shows an error for every user"
) -> dict[str, Any]:
    """A GitLab Issue Hook delivery."""
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "project": {"path_with_namespace": "acme/web"},
        "object_attributes": {
            "iid": iid,
            "title": title,
            "description": "Every user sees an error on the payment page; no workaround.",
            "state": "opened",
            "url": f"https://gitlab.com/acme/web/-/issues/{iid}",
            "created_at": "2026-10-30 10:00:00 UTC",
            "updated_at": "2026-10-30 11:00:00 UTC",
        },
        "labels": [{"title": "bug"}, {"title": "critical"}],
    }


def jira_event(event: str = "jira:issue_created", key: str = "SHOP-9") -> dict[str, Any]:
    """A Jira issue webhook delivery."""
    return {
        "webhookEvent": event,
        "issue": {
            "key": key,
            "self": f"https://acme.atlassian.net/rest/api/2/issue/100{key[-1]}",
            "fields": {
                "summary": "Orders are lost when the cart has two items",
                "description": "Data loss: every order with two items is lost.",
                "priority": {"name": "Blocker"},
                "issuetype": {"name": "Bug"},
                "status": {"name": "Open"},
                "labels": [],
                "created": "2026-10-30T10:00:00.000+0000",
            },
        },
    }
