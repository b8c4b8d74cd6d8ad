"""Webhooks from GitHub, GitLab and Jira: verified first, then the issue is stored and assessed."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

import orjson
import pytest
from api_payloads import SECRETS, github_event, gitlab_event, jira_event
from fastapi.testclient import TestClient

from builders import SHARED_DATA
from hotgate.api import Settings, create_app

Headers = dict[str, dict[str, str]]


def _signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _github(
    body: bytes, event: str = "issues", secret: str = SECRETS["github_webhook_secret"]
) -> dict[str, str]:
    return {
        "X-GitHub-Event": event,
        "X-Hub-Signature-256": _signed(secret, body),
        "Content-Type": "application/json",
    }


def _jira(body: bytes, secret: str = SECRETS["jira_webhook_secret"]) -> dict[str, str]:
    return {"X-Hub-Signature": _signed(secret, body), "Content-Type": "application/json"}


def _gitlab(
    token: str = SECRETS["gitlab_webhook_token"], event: str = "Issue Hook"
) -> dict[str, str]:
    return {"X-Gitlab-Token": token, "X-Gitlab-Event": event}


def _deliveries() -> list[tuple[str, bytes, dict[str, str], str]]:
    github = orjson.dumps(github_event(number=31))
    jira = orjson.dumps(jira_event())
    gitlab = orjson.dumps(gitlab_event())
    return [
        ("github", github, _github(github), "github:acme/shop#31"),
        ("gitlab", gitlab, _gitlab(), "gitlab:acme/web#5"),
        ("jira", jira, _jira(jira), "jira:acme.atlassian.net/SHOP-9"),
    ]


@pytest.mark.parametrize(
    ("tracker", "body", "sent", "key"), _deliveries(), ids=["github", "gitlab", "jira"]
)
def test_a_verified_delivery_is_stored_and_assessed(
    client: TestClient, headers: Headers, tracker: str, body: bytes, sent: dict[str, str], key: str
) -> None:
    answer = client.post(f"/api/v1/webhooks/{tracker}", content=body, headers=sent)
    assert answer.status_code == 202, answer.text
    delivery = answer.json()
    assert (delivery["status"], delivery["issue"]) == ("recorded", key)
    record = client.get(
        f"/api/v1/decisions/{delivery['decision']}", headers=headers["viewer"]
    ).json()
    assert record["subject_key"] == key
    assert record["verdict"] == delivery["verdict"]
    assert record["evidence"]["criteria"][0]["name"] == "significant"
    stored = client.get(f"/api/v1/issues?source={tracker}", headers=headers["viewer"]).json()
    assert [i["key"] for i in stored["items"]] == [key]
    log = client.get(
        "/api/v1/audit", params={"target": f"issue:{key}"}, headers=headers["viewer"]
    ).json()
    assert log["items"][0]["actor"] == f"webhook:{tracker}"


def _tamper(body: bytes) -> bytes:
    return body.replace(b"acme", b"evil", 1)


@pytest.mark.parametrize(
    ("tracker", "body", "sent", "status", "message"),
    [
        (
            "github",
            orjson.dumps(github_event()),
            {"X-GitHub-Event": "issues"},
            403,
            "missing or does not match",
        ),
        (
            "github",
            _tamper(orjson.dumps(github_event())),
            _github(orjson.dumps(github_event())),
            403,
            "does not match",
        ),
        (
            "github",
            orjson.dumps(github_event()),
            _github(orjson.dumps(github_event()), secret="wrong"),
            403,
            "does not match",
        ),
        ("gitlab", orjson.dumps(gitlab_event()), _gitlab(token="wrong"), 403, "X-Gitlab-Token"),
        (
            "gitlab",
            orjson.dumps(gitlab_event()),
            {"X-Gitlab-Event": "Issue Hook"},
            403,
            "X-Gitlab-Token",
        ),
        ("jira", orjson.dumps(jira_event()), {}, 403, "X-Hub-Signature"),
        (
            "jira",
            _tamper(orjson.dumps(jira_event())),
            _jira(orjson.dumps(jira_event())),
            403,
            "does not match",
        ),
        ("github", b"[1, 2", _github(b"[1, 2"), 422, "not valid JSON"),
        ("github", b"[1, 2]", _github(b"[1, 2]"), 422, "not a JSON object"),
        (
            "github",
            orjson.dumps({"action": "opened"}),
            _github(orjson.dumps({"action": "opened"})),
            422,
            "no github issue",
        ),
        ("gitlab", orjson.dumps({"object_kind": "issue"}), _gitlab(), 422, "object_attributes"),
        (
            "jira",
            orjson.dumps({"webhookEvent": "jira:issue_updated", "issue": "X-1"}),
            _jira(orjson.dumps({"webhookEvent": "jira:issue_updated", "issue": "X-1"})),
            422,
            "jira",
        ),
    ],
)
def test_bad_deliveries_are_refused(
    client: TestClient,
    headers: Headers,
    tracker: str,
    body: bytes,
    sent: dict[str, str],
    status: int,
    message: str,
) -> None:
    answer = client.post(f"/api/v1/webhooks/{tracker}", content=body, headers=sent)
    assert answer.status_code == status, answer.text
    assert message in answer.text
    assert client.get("/api/v1/decisions", headers=headers["viewer"]).json()["total"] == 0


@pytest.mark.parametrize(
    ("tracker", "body", "sent"),
    [
        ("github", b"{}", _github(b"{}", event="ping")),
        (
            "github",
            orjson.dumps(github_event()),
            _github(orjson.dumps(github_event()), event="push"),
        ),
        ("gitlab", orjson.dumps(gitlab_event()), _gitlab(event="Note Hook")),
        (
            "jira",
            orjson.dumps(jira_event("jira:issue_deleted")),
            _jira(orjson.dumps(jira_event("jira:issue_deleted"))),
        ),
        (
            "jira",
            orjson.dumps(jira_event("comment_created")),
            _jira(orjson.dumps(jira_event("comment_created"))),
        ),
    ],
)
def test_other_events_are_acknowledged_and_ignored(
    client: TestClient, headers: Headers, tracker: str, body: bytes, sent: dict[str, str]
) -> None:
    answer = client.post(f"/api/v1/webhooks/{tracker}", content=body, headers=sent)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "ignored"
    assert client.get("/api/v1/decisions", headers=headers["viewer"]).json()["total"] == 0


def test_a_pull_request_is_ignored(client: TestClient) -> None:
    event = github_event()
    event["issue"]["pull_request"] = {"url": "https://api.github.com/repos/acme/shop/pulls/12"}
    body = orjson.dumps(event)
    answer = client.post("/api/v1/webhooks/github", content=body, headers=_github(body))
    assert answer.json()["status"] == "ignored"


@pytest.mark.parametrize(
    ("tracker", "setting"),
    [
        ("github", "GITHUB_WEBHOOK_SECRET"),
        ("gitlab", "GITLAB_WEBHOOK_TOKEN"),
        ("jira", "JIRA_WEBHOOK_SECRET"),
    ],
)
def test_a_webhook_without_a_secret_is_off(database_url: str, tracker: str, setting: str) -> None:
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        answer = client.post(f"/api/v1/webhooks/{tracker}", content=b"{}")
    assert answer.status_code == 404
    assert f"HOTGATE_{setting}" in answer.text


def test_a_second_delivery_of_a_changed_issue_is_a_new_assessment(
    client: TestClient, headers: Headers
) -> None:
    first = orjson.dumps(github_event(number=40))
    client.post("/api/v1/webhooks/github", content=first, headers=_github(first))
    event: dict[str, Any] = github_event(action="edited", number=40)
    event["issue"]["body"] = "A cosmetic typo in the footer text."
    event["issue"]["title"] = "Typo in the footer"
    event["issue"]["labels"] = [{"name": "typo"}]
    second = orjson.dumps(event)
    client.post("/api/v1/webhooks/github", content=second, headers=_github(second))
    every = client.get(
        "/api/v1/decisions",
        params={"every_assessment": "true", "key": "github:acme/shop#40"},
        headers=headers["viewer"],
    ).json()
    in_order = sorted(every["items"], key=lambda d: d["id"])
    assert [(d["verdict"], d["verdict_changed"], d["latest"]) for d in in_order] == [
        ("hotfix", False, False),
        ("no-hotfix", True, True),
    ]


@pytest.mark.realdata
def test_a_recorded_github_issue_goes_through_the_webhook(
    client: TestClient, headers: Headers
) -> None:
    if not SHARED_DATA.is_dir() and not os.environ.get("CI"):
        pytest.skip(f"the recorded data is not at {SHARED_DATA}")
    data = SHARED_DATA / "trackers" / "github" / "webcompat_web-bugs_issues.jsonl"
    first = orjson.loads(data.read_bytes().splitlines()[0])
    body = orjson.dumps(
        {"action": "opened", "issue": first, "repository": {"full_name": "webcompat/web-bugs"}}
    )
    answer = client.post("/api/v1/webhooks/github", content=body, headers=_github(body))
    assert answer.status_code == 202, answer.text
    assert answer.json()["issue"] == f"github:webcompat/web-bugs#{first['number']}"


def test_a_gitlab_hook_reads_as_the_same_issue_from_the_rest_api() -> None:
    from hotgate.api.webhooks import gitlab_issue
    from hotgate.sources.base import Origin
    from hotgate.sources.gitlab import GitLabFormat

    hook = gitlab_event()
    hook["object_attributes"] |= {"severity": "high", "type": "INCIDENT", "project_id": 7}
    rest = {
        "iid": 5,
        "project_id": 7,
        "title": hook["object_attributes"]["title"],
        "description": hook["object_attributes"]["description"],
        "state": "opened",
        "web_url": "https://gitlab.com/acme/web/-/issues/5",
        "created_at": "2026-10-30T10:00:00Z",
        "updated_at": "2026-10-30T11:00:00Z",
        "labels": ["bug", "critical"],
        "severity": "HIGH",
        "type": "INCIDENT",
    }
    from_hook = gitlab_issue(hook)
    from_rest = GitLabFormat().to_issue(rest, Origin())
    assert from_hook == from_rest.model_copy(update={"severity_raw": "high"})  # as each sends it
    assert (from_hook.key, from_hook.type, from_hook.labels) == (
        "gitlab:acme/web#5",
        "incident",
        ["bug", "critical"],
    )
