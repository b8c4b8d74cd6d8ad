"""GET /api/v1/jobs and the jobs page: each job's state, progress and last run; what was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hotgate.store import jobs as job_store
from hotgate.store import notifications as outbox

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _one_run(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        job_store.plan_jobs(session, [("sync:github:acme/shop", "sync", 900)], AT)
        slot = job_store.claim_due(
            session, "sync:github:acme/shop", "web-1:42:abc", AT, timedelta(minutes=1)
        )
        assert slot == AT
        run = job_store.start_run(session, "sync:github:acme/shop", "web-1:42:abc", slot, AT)
        job_store.note_progress(session, "sync:github:acme/shop", run, {"pages": 1, "pulled": 2})
        job_store.finish_run(
            session,
            "sync:github:acme/shop",
            run,
            AT + timedelta(seconds=3),
            error=None,
            next_due=AT + timedelta(minutes=15),
            progress={"pages": 2, "pulled": 3, "decided": 3},
        )
        outbox.queue_notifications(
            session,
            [
                {
                    "dedupe": "hotfix-candidate:1>releases",
                    "event": "hotfix-candidate",
                    "route": "releases",
                    "subject_key": "github:acme/shop#1",
                    "title": "Hotfix candidate: Checkout",
                    "body": "…",
                }
            ],
            AT,
        )


def test_the_jobs_answer(
    client: TestClient, sessions: sessionmaker[Session], headers: dict[str, dict[str, str]]
) -> None:
    _one_run(sessions)
    answer = client.get("/api/v1/jobs", headers=headers["viewer"])
    assert answer.status_code == 200
    body = answer.json()
    postgres = "postgresql" in str(client.app.state.settings.url())  # type: ignore[attr-defined]
    assert body["runner"] == (
        "queue: hotgate worker processes" if postgres else "none: no scheduled jobs"
    )
    [job] = body["jobs"]
    assert {
        k: job[k]
        for k in (
            "name",
            "kind",
            "every_seconds",
            "state",
            "runs",
            "failures",
            "last_status",
            "lease_owner",
        )
    } == {
        "name": "sync:github:acme/shop",
        "kind": "sync",
        "every_seconds": 900,
        "state": "idle",
        "runs": 1,
        "failures": 0,
        "last_status": "succeeded",
        "lease_owner": None,
    }
    assert job["due_at"] == "2026-11-30T09:15:00Z"
    assert job["progress"] == {"pages": 2, "pulled": 3, "decided": 3}
    [run] = body["runs"]
    assert (run["status"], run["owner"], run["slot"]) == (
        "succeeded",
        "web-1:42:abc",
        "2026-11-30T09:00:00Z",
    )
    [message] = body["notifications"]
    assert (message["route"], message["status"], message["attempts"]) == ("releases", "pending", 0)


def test_the_jobs_page(client: TestClient, sessions: sessionmaker[Session]) -> None:
    _one_run(sessions)
    page = client.get("/jobs")
    assert page.status_code == 200
    assert "<h1>Jobs</h1>" in page.text
    assert "<code>sync:github:acme/shop</code>" in page.text
    assert "Hotfix candidate: Checkout" in page.text
    assert '<a href="/jobs" aria-current="page">Jobs</a>' in page.text


def test_the_jobs_refuse_an_unknown_token(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    assert client.get("/api/v1/jobs", headers=headers["bad-token"]).status_code == 401
