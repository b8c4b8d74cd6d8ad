"""Roles and integrity: attributed answers, no self-approved hotfix, rejections that stand,
tracker keys, one rule for anonymous callers, and webhook replays."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson
import pytest
from api_payloads import SECRETS, github_event, github_issue, gitlab_event, jira_event, own_issue
from fastapi.testclient import TestClient

from hotgate.api import Settings, create_app
from hotgate.gate.linked_decision import issue_refusals
from hotgate.policy.definition.lanes import FixLane

Headers = dict[str, dict[str, str]]
YES = {"significant": "yes", "broad_reach": "yes", "no_workaround": "yes"}
# a typo, which the evidence says is no hotfix, made one by the sender's own answers
TYPO = {"title": "Typo on the about page", "body": "A cosmetic typo.", "labels": ["typo"]}


def _post(client: TestClient, document: dict[str, Any], caller: dict[str, str]) -> Any:
    answer = client.post("/api/v1/issues", json=document, headers=caller)
    assert answer.status_code == 201, answer.text
    return answer.json()["decisions"][0]


def _review(client: TestClient, headers: Headers, decision: dict[str, Any], **review: Any) -> Any:
    answer = client.post(
        f"/api/v1/decisions/{decision['id']}/review", json=review, headers=headers["approver"]
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _gate(settings: Settings, key: str) -> list[str]:
    """The fix lane's refusals for a pull request that names this issue."""
    return [refusal.reason for refusal in issue_refusals(FixLane(), key, settings.url())]


# --- a person's answers -----------------------------------------------------------------------


def test_answers_are_kept_with_who_gave_them_and_audited(
    client: TestClient, headers: Headers
) -> None:
    decision = _post(client, own_issue(1, **TYPO, answers=YES), headers["requester"])
    assert decision["verdict"] == "hotfix"
    assert (decision["answered_by"], decision["answered_role"]) == ("requester person", "requester")
    entries = client.get(
        "/api/v1/audit", params={"target": "issue:ops:INC-1"}, headers=headers["viewer"]
    ).json()["items"]
    assert [(e["actor"], e["action"], e["details"]) for e in entries] == [
        ("requester person", "answers.given", {"answers": YES, "role": "requester"})
    ]


def test_a_decision_without_answers_names_no_one(client: TestClient, headers: Headers) -> None:
    decision = _post(client, own_issue(2), headers["requester"])
    assert (decision["answered_by"], decision["answered_role"]) == (None, None)


def test_a_requesters_own_answers_do_not_open_the_fix_lane(
    client: TestClient, headers: Headers, settings: Settings
) -> None:
    decision = _post(client, own_issue(3, **TYPO, answers=YES), headers["requester"])
    assert decision["verdict"] == "hotfix"
    assert _gate(settings, "ops:INC-3") == [
        f"ops:INC-3: its hotfix decision {decision['id']} rests on answers given by requester "
        "person (requester); an approver must approve it first"
    ]
    page = client.get(f"/decisions/{decision['id']}").text
    assert "given by <strong>requester person</strong> (requester)." in page
    assert "only once an approver approves it" in page
    _review(client, headers, decision, action="approve")
    assert _gate(settings, "ops:INC-3") == []


def test_an_approvers_own_answers_need_no_second_approval(
    client: TestClient, headers: Headers, settings: Settings
) -> None:
    decision = _post(client, own_issue(4, **TYPO, answers=YES), headers["approver"])
    assert (decision["verdict"], decision["state"]) == ("hotfix", "proposed")
    assert _gate(settings, "ops:INC-4") == []


# --- a rejection stands -----------------------------------------------------------------------


def test_a_rejection_stands_until_an_approver_changes_it(
    client: TestClient, headers: Headers, settings: Settings
) -> None:
    key = "github:acme/shop#12"
    first = _post(client, github_issue(12), headers["approver"])
    assert (first["verdict"], _gate(settings, key)) == ("hotfix", [])
    _review(client, headers, first, action="reject", reason="not a hotfix")
    again = _post(client, github_issue(12), headers["approver"])  # the same document again
    assert (again["verdict"], again["state"]) == ("hotfix", "rejected")
    assert _gate(settings, key) == [f"{key}: its hotfix decision {again['id']} is rejected"]
    assert 'id="rejection-kept"' in client.get(f"/decisions/{again['id']}").text
    # only an approver lifts it, with an override and a reason
    _review(client, headers, again, action="override", verdict="hotfix", reason="checked again")
    assert _gate(settings, key) == []
    after = _post(client, github_issue(12), headers["approver"])
    assert after["state"] == "proposed"


def test_a_rejection_stands_through_a_webhook_delivery(
    client: TestClient, headers: Headers
) -> None:
    first = _post(client, github_issue(31), headers["approver"])
    _review(client, headers, first, action="reject", reason="not a hotfix")
    body = orjson.dumps(github_event(number=31))
    answer = client.post("/api/v1/webhooks/github", content=body, headers=_github(body, "d-1"))
    assert answer.status_code == 202, answer.text
    latest = client.get(
        "/api/v1/decisions", params={"key": "github:acme/shop#31"}, headers=headers["viewer"]
    ).json()["items"]
    assert [(d["id"], d["state"]) for d in latest] == [(answer.json()["decision"], "rejected")]


# --- tracker keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "role", "status"),
    [
        (github_issue(5), "requester", 403),
        (github_issue(5), "approver", 201),
        (own_issue(5, key="jira:acme.atlassian.net/SHOP-5", source="jira"), "requester", 403),
        (own_issue(5, key="gitlab:acme/web#5"), "requester", 403),
        (own_issue(5, key="bugzilla:bugs.example.org#5"), "requester", 403),
        (own_issue(5, key="change:MKT-5"), "requester", 403),
        (own_issue(5, key="change:MKT-5"), "admin", 201),
        (own_issue(5), "requester", 201),
        (own_issue(5, key="hotgate:INC-5"), "requester", 201),
    ],
)
def test_writing_under_a_trackers_key_needs_an_approver(
    client: TestClient, headers: Headers, document: dict[str, Any], role: str, status: int
) -> None:
    answer = client.post("/api/v1/issues", json=document, headers=headers[role])
    assert answer.status_code == status, answer.text
    if status == 403:
        assert "needs the approver role" in answer.json()["detail"]
        listed = client.get("/api/v1/decisions", headers=headers["viewer"]).json()
        assert listed["total"] == 0


# --- one rule for anonymous callers and viewers ----------------------------------------------

CHANGE = {"kind": "change", "id": "MKT-1", "title": "Banner text for the sale"}


@pytest.mark.parametrize(
    ("host", "caller", "status"),
    [
        ("127.0.0.1", "anonymous", 201),
        ("127.0.0.1", "viewer", 201),
        ("127.0.0.1", "requester", 201),
        ("0.0.0.0", "anonymous", 401),
        ("0.0.0.0", "viewer", 201),
        ("0.0.0.0", "bad-token", 401),
    ],
)
def test_whoever_may_read_may_ask_for_a_change(
    settings: Settings, headers: Headers, host: str, caller: str, status: int
) -> None:
    served = settings.model_copy(update={"host": host})
    with TestClient(create_app(served)) as client:
        api = client.post(
            "/api/v1/changes", json={**CHANGE, "requested_by": "li"}, headers=headers[caller]
        )
        form = client.post(
            "/changes/new",
            data={"title": "Banner text", "requested_by": "li"},
            headers=headers[caller],
        )
    assert api.status_code == status, api.text
    assert form.status_code == (200 if status == 201 else status), form.text


def test_the_audit_does_not_take_a_stated_name_for_the_caller(
    client: TestClient, headers: Headers
) -> None:
    anonymous = client.post("/api/v1/changes", json={**CHANGE, "requested_by": "the-ceo"})
    assert anonymous.status_code == 201, anonymous.text
    with_token = client.post(
        "/api/v1/changes",
        json={**CHANGE, "id": "MKT-2", "requested_by": "the-ceo"},
        headers=headers["viewer"],
    )
    assert with_token.status_code == 201, with_token.text
    entries = client.get("/api/v1/audit", params={"limit": 10}, headers=headers["viewer"]).json()[
        "items"
    ]
    asked = {
        e["target"]: (
            e["actor"],
            e["details"]["requested_by"],
            e["details"]["requested_by_checked"],
        )
        for e in entries
        if e["action"] == "change-request"
    }
    assert asked == {
        "change:MKT-1": ("anonymous", "the-ceo", False),
        "change:MKT-2": ("viewer person", "viewer person", True),
    }


def test_a_change_request_is_sent_again_only_by_who_asked_or_an_approver(
    client: TestClient, headers: Headers
) -> None:
    first = client.post("/api/v1/changes", json=CHANGE, headers=headers["viewer"])
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/changes", json=CHANGE, headers=headers["viewer"])
    assert again.status_code == 201, again.text
    other = client.post("/api/v1/changes", json=CHANGE, headers=headers["requester"])
    assert other.status_code == 403
    assert other.json()["detail"] == (
        "change:MKT-1 was asked for by viewer person; only they or an approver may send it "
        "again (use another id)"
    )
    stated = client.post("/api/v1/changes", json={**CHANGE, "requested_by": "someone"})
    assert stated.status_code == 403
    assert (
        client.post("/api/v1/changes", json=CHANGE, headers=headers["approver"]).status_code == 201
    )


# --- webhook replays --------------------------------------------------------------------------


def _signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _github(body: bytes, delivery: str) -> dict[str, str]:
    return {
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": _signature(SECRETS["github_webhook_secret"], body),
        "Content-Type": "application/json",
    }


def _gitlab(_body: bytes, delivery: str) -> dict[str, str]:
    return {
        "X-Gitlab-Token": SECRETS["gitlab_webhook_token"],
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Event-UUID": delivery,
    }


def _jira(body: bytes, delivery: str) -> dict[str, str]:
    return {
        "X-Hub-Signature": _signature(SECRETS["jira_webhook_secret"], body),
        "X-Atlassian-Webhook-Identifier": delivery,
        "Content-Type": "application/json",
    }


TRACKERS = {
    "github": (_github, lambda n: github_event(number=n)),
    "gitlab": (_gitlab, lambda n: gitlab_event(iid=n)),
    "jira": (_jira, lambda n: jira_event(key=f"SHOP-{n}")),
}


@pytest.mark.parametrize("tracker", list(TRACKERS))
@pytest.mark.parametrize(
    ("second_delivery", "second_number"),
    [("d-1", 7), ("d-2", 7), ("d-1", 8)],
    ids=["same-delivery", "same-body-new-id", "same-id-new-body"],
)
def test_a_replayed_delivery_is_refused(
    client: TestClient,
    headers: Headers,
    tracker: str,
    second_delivery: str,
    second_number: int,
) -> None:
    signed, event = TRACKERS[tracker]
    url = f"/api/v1/webhooks/{tracker}"
    first = orjson.dumps(event(7))
    assert client.post(url, content=first, headers=signed(first, "d-1")).status_code == 202
    second = orjson.dumps(event(second_number))
    replay = client.post(url, content=second, headers=signed(second, second_delivery))
    assert replay.status_code == 409, replay.text
    assert "was already received" in replay.json()["detail"]
    every = client.get(
        "/api/v1/decisions", params={"every_assessment": "true"}, headers=headers["viewer"]
    ).json()
    assert every["total"] == 1


def test_a_new_delivery_of_a_changed_issue_is_recorded(client: TestClient) -> None:
    first = orjson.dumps(github_event(number=9))
    second = orjson.dumps(github_event(action="edited", number=9, title="Checkout still crashes"))
    url = "/api/v1/webhooks/github"
    assert client.post(url, content=first, headers=_github(first, "d-1")).status_code == 202
    assert client.post(url, content=second, headers=_github(second, "d-2")).status_code == 202
