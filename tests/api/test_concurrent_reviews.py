"""Two reviews of one decision at once, over real HTTP: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from api_payloads import github_issue

from hotgate.api import Settings
from hotgate.api.testing import live_server

Headers = dict[str, dict[str, str]]


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port."""
    with live_server(settings) as url:
        yield url


@pytest.mark.parametrize(
    "bodies",
    [
        [{"action": "approve", "version": 1}, {"action": "reject", "version": 1}],
        [{"action": "approve"}, {"action": "reject"}],
        [
            {"action": "approve", "version": 1},
            {"action": "override", "verdict": "wait", "reason": "release is close", "version": 1},
        ],
    ],
    ids=["same-version", "no-version", "approve-and-override"],
)
def test_exactly_one_concurrent_review_wins(
    server: str, headers: Headers, bodies: list[dict[str, object]]
) -> None:
    with httpx.Client(base_url=server, timeout=30) as client:
        made = client.post("/api/v1/issues", json=github_issue(77), headers=headers["approver"])
        decision_id = made.json()["decisions"][0]["id"]
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def send(body: dict[str, object], who: str) -> None:
        with httpx.Client(base_url=server, timeout=30) as client:
            barrier.wait()
            answer = client.post(
                f"/api/v1/decisions/{decision_id}/review", json=body, headers=headers[who]
            )
            statuses.append(answer.status_code)

    threads = [
        threading.Thread(target=send, args=(body, who))
        for body, who in zip(bodies, ["approver", "admin"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    with httpx.Client(base_url=server, timeout=30) as client:
        record = client.get(f"/api/v1/decisions/{decision_id}", headers=headers["viewer"]).json()
    assert record["version"] == 2
    assert len(record["reviews"]) == 1
