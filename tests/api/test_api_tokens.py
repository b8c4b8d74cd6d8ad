"""Tokens at the API: an expired one is refused saying when it expired, and each use is noted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from api_payloads import github_issue
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api import Settings, create_app
from hotgate.store.records import now
from hotgate.store.tables import api_tokens

Headers = dict[str, dict[str, str]]
EXPIRED = datetime(2020, 1, 31, 12, 0, tzinfo=UTC)
EXPIRED_DETAIL = (
    "the token expired on 2020-01-31; make a new one with: "
    "hotgate token create --role admin --expires-in DAYS"
)
# every kind of endpoint a token opens -> (request body, the answer for a live admin token)
PROTECTED: dict[str, tuple[Any, int]] = {
    "GET /api/v1/issues": (None, 200),
    "POST /api/v1/assess": (github_issue(2), 200),
    "POST /api/v1/issues": (github_issue(3), 201),
    "GET /api/v1/decisions": (None, 200),
    "GET /api/v1/decisions/{decision}": (None, 200),
    "POST /api/v1/decisions/{decision}/review": ({"action": "approve"}, 200),
    "GET /api/v1/audit": (None, 200),
    "GET /api/v1/tokens": (None, 200),
    "POST /api/v1/tokens": ({"name": "robot", "role": "viewer", "expires_in_days": 7}, 201),
    "DELETE /api/v1/tokens/{token}": (None, 204),
    "POST /api/v1/changes": ({"kind": "change", "id": "A", "title": "Banner text"}, 201),
}


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _token(sessions: sessionmaker[Session], name: str, role: str, **options: Any) -> str:
    with sessions.begin() as session:
        _, secret = store.create_token(session, name, role, **options)  # type: ignore[arg-type]
    return secret


def _stored(sessions: sessionmaker[Session], name: str) -> store.TokenRecord:
    with sessions() as session:
        return next(t for t in store.list_tokens(session) if t.name == name)


def _call(
    client: TestClient,
    sessions: sessionmaker[Session],
    headers: Headers,
    endpoint: str,
    caller: dict[str, str],
) -> httpx.Response:
    seeded = client.post("/api/v1/issues", json=github_issue(1), headers=headers["approver"])
    with sessions.begin() as session:
        target, _ = store.create_token(session, "to revoke", "viewer")
    method, path = endpoint.split(" ")
    path = path.format(decision=seeded.json()["decisions"][0]["id"], token=target.id)
    return client.request(method, path, json=PROTECTED[endpoint][0], headers=caller)


@pytest.mark.parametrize("endpoint", list(PROTECTED))
def test_an_expired_token_is_refused_saying_when_and_what_to_do(
    client: TestClient, sessions: sessionmaker[Session], headers: Headers, endpoint: str
) -> None:
    expired = _token(sessions, "old admin", "admin", expires_at=EXPIRED)
    answer = _call(client, sessions, headers, endpoint, _bearer(expired))
    assert answer.status_code == 401, answer.text
    assert answer.json() == {"detail": EXPIRED_DETAIL}
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert _stored(sessions, "old admin").last_used_at is None


@pytest.mark.parametrize("endpoint", list(PROTECTED))
def test_a_token_before_its_expiry_works(
    client: TestClient, sessions: sessionmaker[Session], headers: Headers, endpoint: str
) -> None:
    tomorrow = now() + timedelta(days=1)
    secret = _token(sessions, "admin till tomorrow", "admin", expires_at=tomorrow)
    answer = _call(client, sessions, headers, endpoint, _bearer(secret))
    assert answer.status_code == PROTECTED[endpoint][1], answer.text


def test_an_expired_token_is_refused_on_a_public_address(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    expired = _token(sessions, "old admin", "admin", expires_at=EXPIRED)
    public = settings.model_copy(update={"host": "0.0.0.0"})
    with TestClient(create_app(public)) as client:
        answer = client.get("/api/v1/decisions", headers=_bearer(expired))
    assert (answer.status_code, answer.json()["detail"]) == (401, EXPIRED_DETAIL)


def test_tokens_are_made_with_an_expiry_and_listed_with_it(
    client: TestClient, headers: Headers
) -> None:
    made = client.post(
        "/api/v1/tokens",
        json={"name": "ci", "role": "requester", "expires_in_days": 30},
        headers=headers["admin"],
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    created = datetime.fromisoformat(token["created_at"])
    expires = datetime.fromisoformat(token["expires_at"])
    assert expires - created == timedelta(days=30)
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", headers=headers["admin"]).json()}
    assert listed["ci"]["expires_at"] == token["expires_at"]
    assert listed["viewer person"]["expires_at"] is None
    mine = _bearer(made.json()["secret"])
    assert client.get("/api/v1/decisions", headers=mine).status_code == 200


@pytest.mark.parametrize("name", ["", "nul\x00byte", "two\nlines", "x" * 201])
def test_a_token_name_is_one_printable_line(
    client: TestClient, headers: Headers, name: str
) -> None:
    answer = client.post(
        "/api/v1/tokens", json={"name": name, "role": "viewer"}, headers=headers["admin"]
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("name: ")


@pytest.mark.parametrize("days", [0, -1, 3651, "soon", 1.5])
def test_an_expiry_out_of_range_is_refused(client: TestClient, headers: Headers, days: Any) -> None:
    answer = client.post(
        "/api/v1/tokens",
        json={"name": "ci", "role": "viewer", "expires_in_days": days},
        headers=headers["admin"],
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("expires_in_days: ")


def test_the_first_use_is_noted_and_not_rewritten_within_the_minute(
    client: TestClient, sessions: sessionmaker[Session], headers: Headers
) -> None:
    mine = _bearer(_token(sessions, "ci", "viewer"))
    assert _stored(sessions, "ci").last_used_at is None
    assert client.get("/api/v1/decisions", headers=mine).status_code == 200
    first = _stored(sessions, "ci").last_used_at
    assert first is not None
    for path in ("/api/v1/decisions", "/api/v1/issues", "/api/v1/audit"):
        assert client.get(path, headers=mine).status_code == 200
    assert _stored(sessions, "ci").last_used_at == first
    listed = {t["name"]: t for t in client.get("/api/v1/tokens", headers=headers["admin"]).json()}
    assert datetime.fromisoformat(listed["ci"]["last_used_at"]) == first
    # the listing's own request is a use of the admin's token
    assert listed["admin person"]["last_used_at"] is not None
    assert listed["viewer person"]["last_used_at"] is None


def test_a_use_a_minute_after_the_noted_one_is_noted(
    client: TestClient, sessions: sessionmaker[Session], engine: Engine
) -> None:
    mine = _bearer(_token(sessions, "ci", "viewer"))
    assert client.get("/api/v1/decisions", headers=mine).status_code == 200
    first = _stored(sessions, "ci").last_used_at
    assert first is not None
    earlier = first - timedelta(minutes=2)
    with engine.begin() as connection:
        connection.execute(
            update(api_tokens).where(api_tokens.c.name == "ci").values(last_used_at=earlier)
        )
    assert client.get("/api/v1/decisions", headers=mine).status_code == 200
    again = _stored(sessions, "ci").last_used_at
    assert again is not None
    assert again >= first


def test_reads_go_on_while_another_writer_holds_the_lock(
    client: TestClient,
    sessions: sessionmaker[Session],
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mine = _bearer(_token(sessions, "ci", "viewer"))
    with engine.connect() as other:
        # an unfinished write: SQLite's database lock, PostgreSQL's row lock on the token
        other.execute(update(api_tokens).where(api_tokens.c.name == "ci").values(role="viewer"))
        for path in ("/api/v1/decisions", "/api/v1/issues", "/api/v1/audit"):
            assert client.get(path, headers=mine).status_code == 200
        other.rollback()
    # the first read tried to note the use and said why it could not; the others, in the
    # same minute, did not try again, nor does the next one once the lock is gone
    assert len(_could_not_note(caplog)) == 1
    assert client.get("/api/v1/decisions", headers=mine).status_code == 200
    assert len(_could_not_note(caplog)) == 1
    assert _stored(sessions, "ci").last_used_at is None


def _read_only(url: str) -> str:
    """The same database through connections that cannot write."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    made = make_url(url)
    options = f"{made.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return made.update_query_dict({"options": options}).render_as_string(hide_password=False)


def test_reads_go_on_on_a_read_only_database(
    settings: Settings,
    sessions: sessionmaker[Session],
    headers: Headers,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client.post("/api/v1/issues", json=github_issue(1), headers=headers["approver"])
    mine = _bearer(_token(sessions, "ci", "viewer"))
    read_only = settings.model_copy(update={"database_url": _read_only(settings.url())})
    with TestClient(create_app(read_only)) as replica:
        listed = replica.get("/api/v1/decisions", headers=mine)
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 1
        assert replica.get("/api/v1/issues", headers=mine).status_code == 200
    assert _stored(sessions, "ci").last_used_at is None
    assert len(_could_not_note(caplog)) == 1


def _could_not_note(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "hotgate.api.deps" and "could not note the use" in record.getMessage()
    ]
