"""Every endpoint of the REST API, for every role, with its errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from api_payloads import github_issue, hotgate_issue, own_issue
from fastapi.testclient import TestClient

from hotgate.api import Settings, create_app

Headers = dict[str, dict[str, str]]
CALLERS = ["anonymous", "bad-token", "viewer", "requester", "approver", "admin"]
# endpoint -> the weakest role it needs (None: open to anyone)
NEEDS: dict[str, str | None] = {
    "GET /healthz": None,
    "POST /api/v1/assess": "viewer",
    "GET /api/v1/issues": "viewer",
    "POST /api/v1/issues": "requester",
    "GET /api/v1/decisions": "viewer",
    "GET /api/v1/decisions/{id}": "viewer",
    "POST /api/v1/decisions/{id}/review": "approver",
    "GET /api/v1/audit": "viewer",
    "GET /api/v1/tokens": "admin",
    "POST /api/v1/tokens": "admin",
}
ORDER = ["viewer", "requester", "approver", "admin"]
OK = {"POST /api/v1/issues": 201, "POST /api/v1/tokens": 201}
SHIPPED = [{"action": "approve"}, {"action": "deployed"}]  # review steps to a deployed hotfix


def _seed(client: TestClient, headers: Headers) -> int:
    answer = client.post("/api/v1/issues", json=github_issue(1), headers=headers["approver"])
    assert answer.status_code == 201, answer.text
    return int(answer.json()["decisions"][0]["id"])


def _call(client: TestClient, endpoint: str, decision_id: int, headers: dict[str, str]) -> Any:
    method, path = endpoint.split(" ")
    path = path.replace("{id}", str(decision_id))
    bodies: dict[str, Any] = {
        "POST /api/v1/assess": github_issue(2),
        "POST /api/v1/issues": own_issue(3),
        "POST /api/v1/decisions/{id}/review": {"action": "approve"},
        "POST /api/v1/tokens": {"name": "robot", "role": "viewer"},
    }
    return client.request(method, path, json=bodies.get(endpoint), headers=headers)


def _expected(endpoint: str, caller: str, open_reads: bool) -> int:
    needed = NEEDS[endpoint]
    if needed is None:
        return 200
    if caller == "bad-token":
        return 401
    if caller == "anonymous":
        return 200 if needed == "viewer" and open_reads else 401
    if ORDER.index(caller) < ORDER.index(needed):
        return 403
    return OK.get(endpoint, 200)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", list(NEEDS))
def test_roles_on_a_loopback_server(
    client: TestClient, headers: Headers, endpoint: str, caller: str
) -> None:
    decision_id = _seed(client, headers)
    answer = _call(client, endpoint, decision_id, headers[caller])
    assert answer.status_code == _expected(endpoint, caller, open_reads=True), answer.text
    if answer.status_code == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("caller", ["anonymous", "viewer", "approver"])
@pytest.mark.parametrize("endpoint", list(NEEDS))
def test_roles_on_a_public_address(
    settings: Settings, headers: Headers, endpoint: str, caller: str
) -> None:
    public = settings.model_copy(update={"host": "0.0.0.0"})
    with TestClient(create_app(public)) as client:
        decision_id = _seed(client, headers)
        answer = _call(client, endpoint, decision_id, headers[caller])
    assert answer.status_code == _expected(endpoint, caller, open_reads=False), answer.text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("query", "verdict", "days"),
    [
        ("?as_of=2026-11-01", "hotfix", None),
        ("?as_of=2026-11-01&next_release=2026-11-02", "wait", 1),
        ("?as_of=2026-11-01&next_release=2026-12-20", "hotfix", 49),
    ],
)
def test_assess_decides_without_recording(
    client: TestClient, headers: Headers, query: str, verdict: str, days: int | None
) -> None:
    answer = client.post(f"/api/v1/assess{query}", json=github_issue(8))
    assert answer.status_code == 200, answer.text
    decision = answer.json()
    assert decision["verdict"] == verdict
    assert (
        decision["subject"].items()
        >= {
            "kind": "issue",
            "key": "github:acme/shop#8",
            "title": "Checkout crashes for every user",
            "url": "https://github.com/acme/shop/issues/8",
        }.items()
    )
    assert (decision["release"] or {}).get("days_until") == days
    assert [c["name"] for c in decision["criteria"]] == [
        "significant",
        "broad_reach",
        "no_workaround",
    ]
    assert len(decision["policy"]["sha256"]) == 64
    assert client.get("/api/v1/decisions", headers=headers["viewer"]).json()["total"] == 0


def test_assess_reads_yaml(client: TestClient) -> None:
    body = yaml.safe_dump(hotgate_issue(4, "typo"))
    answer = client.post(
        "/api/v1/assess", content=body, headers={"Content-Type": "application/yaml"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "no-hotfix"


@pytest.mark.parametrize(
    ("body", "query", "status", "message"),
    [
        (b"", "", 422, "is empty"),
        (b"{not json", "", 422, "not valid JSON"),
        (b"hello", "", 422, "unknown format"),
        (orjson.dumps({"colour": "blue"}), "", 422, "missing title"),
        (orjson.dumps([github_issue(1), github_issue(2)]), "", 422, "holds 2 issues"),
        (orjson.dumps({**github_issue(1), "pull_request": {}}), "", 422, "pull request"),
        (orjson.dumps(github_issue(1)), "?as_of=yesterday", 422, "as_of"),
        (orjson.dumps(github_issue(1)), "?as_of=2026-11-05&next_release=2026-11-01", 422, "before"),
        (b" " * 2_000_001, "", 413, "over"),
    ],
)
def test_assess_errors(
    client: TestClient, body: bytes, query: str, status: int, message: str
) -> None:
    answer = client.post(
        f"/api/v1/assess{query}", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == status
    assert message in answer.text


def test_issues_are_stored_and_decided(client: TestClient, headers: Headers) -> None:
    page = {
        "kind": "issues",
        "issues": [
            hotgate_issue(1, "typo"),
            hotgate_issue(2, "crash"),
            {"kind": "issue", "title": ""},
        ],
    }
    answer = client.post("/api/v1/issues", json=page, headers=headers["approver"])
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["issues"] == {"inserted": 2, "updated": 0, "changed": 0}
    assert sorted(d["verdict"] for d in stored["decisions"]) == ["hotfix", "no-hotfix"]
    assert len(stored["skipped"]) == 1
    again = client.post(
        "/api/v1/issues", json=hotgate_issue(1, "typo"), headers=headers["approver"]
    ).json()
    assert again["issues"] == {"inserted": 0, "updated": 1, "changed": 0}
    issues = client.get("/api/v1/issues?source=jira", headers=headers["viewer"]).json()
    assert issues["total"] == 2
    assert {i["key"] for i in issues["items"]} == {
        "jira:acme.atlassian.net/SHOP-1",
        "jira:acme.atlassian.net/SHOP-2",
    }
    assert (
        client.get("/api/v1/issues?source=github", headers=headers["viewer"]).json()["total"] == 0
    )
    every = client.get("/api/v1/decisions?every_assessment=true", headers=headers["viewer"]).json()
    assert every["total"] == 3


def test_posting_no_issue_is_refused(client: TestClient, headers: Headers) -> None:
    answer = client.post(
        "/api/v1/issues", json={"kind": "issue", "title": ""}, headers=headers["requester"]
    )
    assert answer.status_code == 422
    assert "field 'key'" in answer.text


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        (
            "",
            [
                "jira:acme.atlassian.net/SHOP-3",
                "jira:acme.atlassian.net/SHOP-2",
                "jira:acme.atlassian.net/SHOP-1",
            ],
        ),
        ("?verdict=hotfix", ["jira:acme.atlassian.net/SHOP-3", "jira:acme.atlassian.net/SHOP-2"]),
        ("?verdict=no-hotfix", ["jira:acme.atlassian.net/SHOP-1"]),
        ("?state=approved", ["jira:acme.atlassian.net/SHOP-3"]),
        ("?source=jira&limit=1", ["jira:acme.atlassian.net/SHOP-3"]),
        ("?limit=2&offset=2", ["jira:acme.atlassian.net/SHOP-1"]),
        ("?source=gitlab", []),
    ],
)
def test_decisions_are_filtered_and_paged(
    client: TestClient, headers: Headers, query: str, keys: list[str]
) -> None:
    page = {
        "kind": "issues",
        "issues": [hotgate_issue(1, "typo"), hotgate_issue(2, "crash"), hotgate_issue(3, "crash")],
    }
    decided = client.post("/api/v1/issues", json=page, headers=headers["approver"]).json()[
        "decisions"
    ]
    third = next(d for d in decided if d["subject_key"].endswith("SHOP-3"))
    client.post(
        f"/api/v1/decisions/{third['id']}/review",
        json={"action": "approve"},
        headers=headers["approver"],
    )
    answer = client.get(f"/api/v1/decisions{query}", headers=headers["viewer"])
    assert answer.status_code == 200
    assert [d["subject_key"] for d in answer.json()["items"]] == keys


@pytest.mark.parametrize(
    "query",
    ["?verdict=maybe", "?state=done", "?limit=0", "?limit=501", "?offset=-1", "?changed=perhaps"],
)
def test_bad_filters_are_refused(client: TestClient, headers: Headers, query: str) -> None:
    assert client.get(f"/api/v1/decisions{query}", headers=headers["viewer"]).status_code == 422


def test_a_decision_has_its_evidence_and_reviews(client: TestClient, headers: Headers) -> None:
    decision_id = _seed(client, headers)
    record = client.get(f"/api/v1/decisions/{decision_id}", headers=headers["viewer"]).json()
    assert record["evidence"]["subject"]["key"] == "github:acme/shop#1"
    assert record["reviews"] == []
    assert client.get("/api/v1/decisions/999999", headers=headers["viewer"]).status_code == 404


@pytest.mark.parametrize(
    ("steps", "status", "message"),
    [
        ([{"action": "approve", "version": 1}], 200, "approved"),
        (
            [{"action": "override", "verdict": "wait", "reason": "release on Monday"}],
            200,
            "overridden",
        ),
        ([{"action": "approve"}, {"action": "deployed"}, {"action": "verified"}], 200, "verified"),
        ([*SHIPPED, {"action": "regressed"}], 200, "regressed"),
        ([*SHIPPED, {"action": "regressed"}, {"action": "rolled-back"}], 200, "rolled-back"),
        ([{"action": "regressed"}], 409, "is proposed"),
        ([{"action": "approve"}, {"action": "regressed"}], 409, "is approved"),
        ([*SHIPPED, {"action": "regressed"}, {"action": "verified"}], 409, "is regressed"),
        (
            [*SHIPPED, {"action": "regressed", "verdict": "no-hotfix"}],
            422,
            "only an override names a verdict",
        ),
        (
            [{"action": "approve"}, {"action": "reject", "version": 1}],
            409,
            "changed since you loaded it",
        ),
        ([{"action": "approve"}, {"action": "approve"}], 409, "is approved"),
        ([{"action": "deployed"}], 409, "is proposed"),
        ([{"action": "override", "verdict": "wait"}], 422, "needs a reason"),
        ([{"action": "override", "reason": "no"}], 422, "names the new verdict"),
        ([{"action": "ship"}], 422, "action"),
        ([{"action": "approve", "version": 0}], 422, "version"),
    ],
)
def test_reviews(
    client: TestClient, headers: Headers, steps: list[dict[str, Any]], status: int, message: str
) -> None:
    decision_id = _seed(client, headers)
    for step in steps[:-1]:
        assert (
            client.post(
                f"/api/v1/decisions/{decision_id}/review", json=step, headers=headers["approver"]
            ).status_code
            == 200
        )
    answer = client.post(
        f"/api/v1/decisions/{decision_id}/review", json=steps[-1], headers=headers["approver"]
    )
    assert answer.status_code == status
    assert message in answer.text


def test_a_review_of_a_missing_decision_is_404(client: TestClient, headers: Headers) -> None:
    answer = client.post(
        "/api/v1/decisions/424242/review", json={"action": "approve"}, headers=headers["approver"]
    )
    assert answer.status_code == 404


def test_reviews_are_in_the_audit_log_with_who(client: TestClient, headers: Headers) -> None:
    decision_id = _seed(client, headers)
    client.post(
        f"/api/v1/decisions/{decision_id}/review",
        json={"action": "override", "verdict": "no-hotfix", "reason": "only staff see it"},
        headers=headers["approver"],
    )
    log = client.get(
        f"/api/v1/audit?target=decision:{decision_id}", headers=headers["viewer"]
    ).json()
    assert [(e["actor"], e["action"], e["details"]["reason"]) for e in log["items"]] == [
        ("approver person", "review.override", "only staff see it")
    ]
    record = client.get(f"/api/v1/decisions/{decision_id}", headers=headers["viewer"]).json()
    assert record["reviews"][0]["actor"] == "approver person"
    assert record["final_verdict"] == "no-hotfix"


def test_tokens_are_made_used_and_revoked(client: TestClient, headers: Headers) -> None:
    made = client.post(
        "/api/v1/tokens", json={"name": "ci", "role": "approver"}, headers=headers["admin"]
    )
    assert made.status_code == 201
    secret, token_id = made.json()["secret"], made.json()["token"]["id"]
    mine = {"Authorization": f"Bearer {secret}"}
    decision_id = _seed(client, headers)
    assert (
        client.post(
            f"/api/v1/decisions/{decision_id}/review", json={"action": "approve"}, headers=mine
        ).status_code
        == 200
    )
    listed = client.get("/api/v1/tokens", headers=headers["admin"]).json()
    assert all("secret" not in token for token in listed)
    assert secret not in orjson.dumps(listed).decode()
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers["admin"]).status_code == 204
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers["admin"]).status_code == 404
    assert client.get("/api/v1/decisions", headers=mine).status_code == 401
    assert (
        client.post(
            "/api/v1/tokens", json={"name": "x", "role": "owner"}, headers=headers["admin"]
        ).status_code
        == 422
    )


def test_security_headers_and_vendored_assets(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    for asset, kind, marker in (
        ("/static/vendor/htmx.min.js", "javascript", b"htmx"),
        ("/static/vendor/chart.umd.min.js", "javascript", b"Chart"),
        ("/static/hotgate.css", "text/css", b"--"),
    ):
        served = client.get(asset)
        assert served.status_code == 200
        assert kind in served.headers["content-type"]
        assert marker in served.content


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for answer in (
        client.get("/"),
        client.get("/no/such/page"),
        client.post(
            "/api/v1/assess", content=b"{not json", headers={"content-type": "application/json"}
        ),
    ):
        assert answer.headers["referrer-policy"] == "same-origin", answer.url
        assert answer.headers["x-content-type-options"] == "nosniff", answer.url


STARTED = """
import gc, sys
from fastapi.testclient import TestClient
from hotgate.api import Settings, create_app
from hotgate.policy.definition import schema
app = create_app(Settings(database_url=sys.argv[1]), own_process=sys.argv[2] == "own")
with TestClient(app):
    planned = any(key[0] == id(app.state.policy) for key in schema._MADE)
    print(gc.get_freeze_count() > 0, planned)
"""


@pytest.mark.parametrize(("process", "frozen"), [("own", "True"), ("shared", "False")])
def test_start_up_plans_the_policy_and_tunes_only_its_own_process(
    tmp_path: Path, process: str, frozen: str
) -> None:
    database = f"sqlite:///{tmp_path / 'hotgate.db'}"
    run = [sys.executable, "-c", STARTED, database, process]
    shown = subprocess.run(run, capture_output=True, text=True, check=True).stdout.split()
    # The first request finds the policy already planned; only `hotgate serve` freezes the GC.
    assert shown == [frozen, "True"]
