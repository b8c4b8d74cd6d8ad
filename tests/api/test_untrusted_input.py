"""Input that could amplify, hang or break the server: bodies, NUL, huge fields, hang-ups."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson
import pytest
from api_payloads import SECRETS, github_event, hotgate_issue, own_issue
from fastapi.testclient import TestClient

from hotgate.api import Settings, assess
from hotgate.api.testing import live_server
from hotgate.store.cutting import TITLE_LIMIT

Headers = dict[str, dict[str, str]]
# a guard against a server that never answers; no test measures time
HANG = 20


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[str, int]]:
    """The app served by uvicorn over loopback on the test's store: its host and port."""
    with live_server(settings) as url:
        parsed = urlparse(url)
        assert parsed.hostname is not None and parsed.port is not None
        yield parsed.hostname, parsed.port


def _raw(address: tuple[str, int], head: str, body: bytes = b"") -> socket.socket:
    """A connection that has sent a request head and some body, and is left open."""
    connection = socket.create_connection(address, timeout=HANG)
    connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
    return connection


def _answer(connection: socket.socket) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of the answer on a raw connection."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection without an answer"
        received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    fields = dict(line.split(": ", 1) for line in lines[1:])
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        assert chunk
        rest += chunk
    return status, json.loads(rest[:length])


# --- body size --------------------------------------------------------------------------------


def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    served: tuple[str, int],
) -> None:
    head = (
        "POST /api/v1/assess HTTP/1.1\nHost: hotgate\nContent-Type: application/json\n"
        "Content-Length: 1000000000\n"
    )
    with _raw(served, head) as connection:  # not one byte of the body is sent
        status, body = _answer(connection)
    assert (status, body) == (413, {"detail": "the request body is over 2,000,000 bytes"})


def test_a_streamed_body_is_refused_once_it_passes_the_limit(served: tuple[str, int]) -> None:
    head = (
        "POST /api/v1/assess HTTP/1.1\nHost: hotgate\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\n"
    )
    chunk = b"%x\r\n%s\r\n" % (100_000, b" " * 100_000)
    # 2.1 MB sent and the body never ended: a server that buffers it all would wait forever
    with _raw(served, head, chunk * 21) as connection:
        status, body = _answer(connection)
    assert (status, body["detail"]) == (413, "the request body is over 2,000,000 bytes")


@pytest.mark.parametrize(
    ("path", "size", "status"),
    [
        ("/api/v1/assess", 2_000_001, 413),
        ("/api/v1/issues", 2_000_001, 413),
        ("/api/v1/changes", 2_000_001, 413),
        ("/api/v1/tokens", 2_000_001, 413),
        ("/changes/new", 2_000_001, 413),
        ("/api/v1/webhooks/github", 2_000_001, 403),  # deliveries may be larger: 5 MB
        ("/api/v1/webhooks/github", 5_000_001, 413),
    ],
)
def test_every_path_has_a_body_limit(
    client: TestClient, headers: Headers, path: str, size: int, status: int
) -> None:
    answer = client.post(
        path,
        content=b" " * size,
        headers={**headers["admin"], "content-type": "application/json"},
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"


# --- parsing off the event loop ---------------------------------------------------------------


def test_healthz_answers_while_a_document_is_being_parsed(
    served: tuple[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    real = assess.read_bytes

    def slow_parse(*args: Any) -> Any:
        entered.set()
        release.wait(HANG)
        return real(*args)

    monkeypatch.setattr(assess, "read_bytes", slow_parse)
    base = f"http://{served[0]}:{served[1]}"
    answers: list[int] = []

    def post() -> None:
        answer = httpx.post(f"{base}/api/v1/assess", json=hotgate_issue(1), timeout=HANG)
        answers.append(answer.status_code)

    poster = threading.Thread(target=post)
    poster.start()
    try:
        assert entered.wait(HANG), "the document was never parsed"
        # the parse is still running: a server parsing on its event loop could not answer this
        health = httpx.get(f"{base}/healthz", timeout=HANG)
        assert not release.is_set()
        assert health.json() == {"status": "ok"}
    finally:
        release.set()
        poster.join(HANG)
    assert answers == [200]


# --- a client that hangs up -------------------------------------------------------------------


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of the server's loggers, uvicorn's own (which do not reach the root) too."""
    caplog.set_level(logging.INFO)
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    yield caplog
    uvicorn_errors.removeHandler(caplog.handler)


@pytest.mark.parametrize("path", ["/api/v1/assess", "/api/v1/changes", "/api/v1/webhooks/github"])
def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(
    served: tuple[str, int], server_log: pytest.LogCaptureFixture, path: str
) -> None:
    head = (
        f"POST {path} HTTP/1.1\nHost: hotgate\nContent-Type: application/json\n"
        "Content-Length: 5000\n"
    )
    _raw(served, head, b'{"kind": "issue", "ti').close()
    said = "the client disconnected before sending the whole body"
    seen = threading.Event()
    for _ in range(HANG * 10):  # until the server has handled the hang-up
        if any(said in record.getMessage() for record in server_log.records):
            seen.set()
            break
        seen.wait(0.1)
    assert seen.is_set(), server_log.text
    faults = [r for r in server_log.records if r.exc_info or r.levelno >= logging.ERROR]
    assert faults == []
    assert "Traceback" not in server_log.text


# --- NUL characters ---------------------------------------------------------------------------


def _signed(body: bytes) -> dict[str, str]:
    secret = SECRETS["github_webhook_secret"].encode()
    signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return {
        "X-Hub-Signature-256": signature,
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": hashlib.sha1(body).hexdigest(),
        "Content-Type": "application/json",
    }


NUL_REQUESTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/assess", "anonymous", {"json": own_issue(1, title="Crash\x00")}),
    ("POST", "/api/v1/issues", "approver", {"json": own_issue(1, title="Crash\x00")}),
    ("POST", "/api/v1/issues", "approver", {"json": own_issue(1, key="ops:INC\x001")}),
    ("POST", "/api/v1/issues", "approver", {"json": own_issue(1, labels=["bug", "a\x00"])}),
    (
        "POST",
        "/api/v1/changes",
        "anonymous",
        {"json": {"kind": "change", "id": "A\x00", "title": "Banner", "requested_by": "li"}},
    ),
    (
        "POST",
        "/api/v1/changes",
        "anonymous",
        {"json": {"kind": "change", "id": "A", "title": "Ban\x00ner", "requested_by": "li"}},
    ),
    ("POST", "/changes/new", "anonymous", {"data": {"title": "Ban\x00ner", "requested_by": "li"}}),
    ("GET", "/api/v1/decisions?key=github%3A%00", "viewer", {}),
    ("GET", "/api/v1/issues?source=%00", "viewer", {}),
    ("GET", "/api/v1/audit?target=a%00b", "viewer", {}),
]


@pytest.mark.parametrize(("method", "path", "caller", "send"), NUL_REQUESTS)
def test_a_nul_character_is_refused_with_422(
    client: TestClient,
    headers: Headers,
    method: str,
    path: str,
    caller: str,
    send: dict[str, Any],
) -> None:
    answer = client.request(method, path, headers=headers[caller], **send)
    assert answer.status_code == 422, answer.text
    if path.startswith("/api/"):
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail


def test_a_webhook_with_a_nul_in_its_title_is_refused_with_422(client: TestClient) -> None:
    body = orjson.dumps(github_event(title="Checkout\x00 crashes"))
    answer = client.post("/api/v1/webhooks/github", content=body, headers=_signed(body))
    assert answer.status_code == 422, answer.text
    assert "title" in answer.json()["detail"]


# --- huge fields ------------------------------------------------------------------------------


def test_a_huge_title_is_stored_cut_with_its_length(client: TestClient, headers: Headers) -> None:
    title = "Checkout crashes " + "x" * 1_499_983  # 1,500,000 characters
    posted = client.post(
        "/api/v1/issues", json=own_issue(8, title=title), headers=headers["requester"]
    )
    assert posted.status_code == 201, posted.text
    summary = posted.json()["decisions"][0]
    note = "… [cut: 1,500,000 characters in all]"
    assert summary["title"] == title[:TITLE_LIMIT] + note
    record = client.get(f"/api/v1/decisions/{summary['id']}", headers=headers["viewer"]).json()
    assert record["evidence"]["subject"]["title"] == title[:TITLE_LIMIT] + note
    assert record["evidence"]["cut"] == {"subject.title": 1_500_000}
    stored = client.get("/api/v1/issues", headers=headers["viewer"]).json()["items"][0]
    assert stored["title"] == title[:TITLE_LIMIT] + note
    page = client.get(f"/decisions/{summary['id']}")
    assert page.status_code == 200
    assert len(page.text) < 100_000
    assert "cut: 1,500,000 characters in all" in page.text
    assert "was cut: subject.title (1,500,000 characters)." in page.text
