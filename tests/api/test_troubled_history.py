"""The server counts troubled past hotfixes in the bug's component: issues, webhooks, assess."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson
import pytest
from api_payloads import SECRETS, jira_event
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from samples import builtin_policy, record_troubled_history, sample_issue

Headers = dict[str, dict[str, str]]
NOTE = "2 past hotfixes in component 'checkout' were rolled back or followed by a regression"


@pytest.fixture
def history(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two troubled hotfixes in checkout, one fine in search."""
    with sessions.begin() as session:
        return record_troubled_history(session)


def _factor(decision: dict[str, Any]) -> dict[str, Any]:
    factors = decision["risk"]["risk_factors"]
    found: dict[str, Any] = next(f for f in factors if f["name"] == "troubled_hotfixes_in_area")
    return found


def _bug(number: int, component: str) -> dict[str, Any]:
    return sample_issue(number, component=component).model_dump(mode="json")


def _stored(client: TestClient, headers: Headers, number: int, component: str) -> dict[str, Any]:
    answer = client.post(
        "/api/v1/issues", json=_bug(number, component), headers=headers["approver"]
    )
    assert answer.status_code == 201, answer.text
    decision_id = answer.json()["decisions"][0]["id"]
    record: dict[str, Any] = client.get(
        f"/api/v1/decisions/{decision_id}", headers=headers["viewer"]
    ).json()
    return record


def test_posted_issues_count_their_components_history(
    client: TestClient, headers: Headers, history: dict[str, int]
) -> None:
    checkout = _stored(client, headers, 1, "checkout")
    search = _stored(client, headers, 2, "search")
    factor = 1 + history["checkout"] * builtin_policy().risk.history_factor
    assert checkout["risk_of_hotfix"] == round(search["risk_of_hotfix"] * factor, 2)
    assert _factor(checkout["evidence"])["value"] == 2.0
    assert _factor(checkout["evidence"])["note"].startswith(NOTE)
    assert _factor(search["evidence"])["value"] == 0.0


def test_a_webhook_delivery_counts_its_components_history(
    client: TestClient, headers: Headers, history: dict[str, int]
) -> None:
    event = jira_event()
    event["issue"]["fields"]["components"] = [{"name": "checkout"}]
    body = orjson.dumps(event)
    signature = hmac.new(SECRETS["jira_webhook_secret"].encode(), body, hashlib.sha256)
    answer = client.post(
        "/api/v1/webhooks/jira",
        content=body,
        headers={"X-Hub-Signature": "sha256=" + signature.hexdigest()},
    )
    assert answer.status_code == 202, answer.text
    record = client.get(
        f"/api/v1/decisions/{answer.json()['decision']}", headers=headers["viewer"]
    ).json()
    assert _factor(record["evidence"])["value"] == 2.0


def test_assess_counts_the_history_without_recording(
    client: TestClient, headers: Headers, history: dict[str, int]
) -> None:
    # the server reuses its reading for a minute; a test's rows are newer than that reading
    client.app.state.area_trouble.clear()  # type: ignore[attr-defined]
    checkout = client.post("/api/v1/assess", json=_bug(1, "checkout"), headers=headers["viewer"])
    search = client.post("/api/v1/assess", json=_bug(2, "search"), headers=headers["viewer"])
    assert checkout.status_code == search.status_code == 200, checkout.text
    assert _factor(checkout.json())["value"] == 2.0
    assert _factor(checkout.json())["note"].startswith(NOTE)
    assert _factor(search.json())["value"] == 0.0
    listed = client.get("/api/v1/decisions", headers=headers["viewer"]).json()
    assert listed["total"] == 3  # the three past hotfixes: assess recorded nothing


def test_a_regression_marked_through_the_api_is_audited(
    client: TestClient, headers: Headers
) -> None:
    decision_id = _stored(client, headers, 1, "checkout")["id"]
    for action in ("approve", "deployed"):
        client.post(
            f"/api/v1/decisions/{decision_id}/review",
            json={"action": action},
            headers=headers["approver"],
        )
    answer = client.post(
        f"/api/v1/decisions/{decision_id}/review",
        json={"action": "regressed", "reason": "search results went empty"},
        headers=headers["approver"],
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "regressed"
    log = client.get(
        f"/api/v1/audit?target=decision:{decision_id}", headers=headers["viewer"]
    ).json()
    newest = log["items"][0]
    assert (newest["actor"], newest["action"]) == ("approver person", "review.regressed")
    assert newest["details"]["reason"] == "search results went empty"
    assert (newest["details"]["from"], newest["details"]["to"]) == ("deployed", "regressed")
