"""The change request form: over HTTP, and in the system's Chromium with htmx."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotgate import store
from hotgate.api.app import create_app
from hotgate.api.settings import Settings

NEXT_RELEASE = date(2030, 6, 14)


def _app(tmp_path: Path, host: str = "127.0.0.1") -> tuple[FastAPI, str]:
    url = f"sqlite:///{tmp_path / 'hotgate.db'}"
    settings = Settings(database_url=url, next_release=NEXT_RELEASE, host=host)
    return create_app(settings), url


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The app on a fresh SQLite store, and the store's URL."""
    app, url = _app(tmp_path)
    with TestClient(app) as made:
        yield made, url


def _stored(url: str) -> list[tuple[str, str | None, str]]:
    engine = store.make_engine(url)
    with store.session_factory(engine)() as session:
        items, _ = store.list_decisions(session, source="change")
        found = []
        for item in items:
            request = store.get_change_request(session, item.subject_key)
            assert request is not None
            found.append((request.title, request.requested_by, item.verdict))
    engine.dispose()
    return found


def test_the_form_asks_in_plain_words(client: tuple[TestClient, str]) -> None:
    http, _ = client
    page = http.get("/changes/new")
    assert page.status_code == 200
    for words in (
        "What should change?",
        "Where on the site?",
        "Must be live by",
        "Promotion banner",
        "Your name or e-mail",
        'hx-post="/changes/new"',
    ):
        assert words in page.text


@pytest.mark.parametrize(
    ("fields", "answer", "reason"),
    [
        (
            {"title": "Add a tracking pixel script to the cart page"},
            "This has to go through the next regular release.",
            "It touches checkout, cart, payment, account or sign-in",
        ),
        (
            {
                "title": "New banner text for the spring sale",
                "changes": ["text"],
                "template": "promo-banner",
                "needed_by": "2030-06-01",
            },
            "Yes — this can go live now",
            "There is a time-bound reason",
        ),
        (
            {
                "title": "Product copy for the autumn collection",
                "changes": ["text"],
                "template": "product-copy",
                "needed_by": "2030-09-01",
            },
            "This will go out with the next release",
            "14 June 2030",
        ),
        ({"title": "Refresh some things"}, "We need a little more information", "Please tell us"),
    ],
)
def test_the_answer_comes_at_once_and_is_kept_with_who_asked(
    client: tuple[TestClient, str], fields: dict[str, object], answer: str, reason: str
) -> None:
    http, url = client
    body = {**fields, "requested_by": "dana@example.com"}
    response = http.post("/changes/new", data=body, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert answer in response.text
    assert reason in response.text
    assert "<html" not in response.text  # htmx gets the answer alone
    [(title, who, _)] = _stored(url)
    assert (title, who) == (fields["title"], "dana@example.com")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "requested_by": "dana"}, "What should change: tell us in a few words"),
        ({"title": "Banner", "requested_by": " "}, "Your name or e-mail: tell us who is asking"),
        (
            {"title": "Banner", "requested_by": "dana", "needed_by": "Friday"},
            "Must be live by: that is not a date",
        ),
        ({"title": "Banner", "requested_by": "dana", "changes": ["banner"]}, "changes"),
    ],
)
def test_a_mistake_in_the_form_is_explained_and_nothing_is_kept(
    client: tuple[TestClient, str], fields: dict[str, object], message: str
) -> None:
    http, url = client
    response = http.post("/changes/new", data=fields, headers={"hx-request": "true"})
    assert response.status_code == 422
    assert message in response.text
    assert _stored(url) == []


def test_without_htmx_the_whole_page_comes_back_with_the_answer(
    client: tuple[TestClient, str],
) -> None:
    http, _ = client
    response = http.post(
        "/changes/new", data={"title": "Make the checkout button orange", "requested_by": "jo"}
    )
    assert response.status_code == 200
    assert "<html" in response.text
    assert "This has to go through the next regular release." in response.text
    listed = http.get("/changes")
    assert "Make the checkout button orange" in listed.text
    assert "Next regular release" in listed.text


def _token(url: str, name: str, role: str) -> str:
    engine = store.make_engine(url)
    with store.session_factory(engine).begin() as session:
        _, secret = store.create_token(session, name, role)  # type: ignore[arg-type]
    engine.dispose()
    return secret


def test_a_server_on_another_host_asks_to_sign_in(tmp_path: Path) -> None:
    app, url = _app(tmp_path, host="0.0.0.0")  # any address but loopback
    with TestClient(app) as http:
        page = http.get("/changes/new", follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (
            303,
            "/signin?next=%2Fchanges%2Fnew",
        )
        answer = http.post("/changes/new", data={"title": "x", "requested_by": "y"})
        assert answer.status_code == 401
        anonymous = http.post("/api/v1/changes", json={"kind": "change", "id": "A", "title": "x"})
        assert anonymous.status_code == 401
        assert _stored(url) == []
        # one rule: whoever may read may ask, so a viewer's token may ask for a change
        viewer = _token(url, "vic", "viewer")
        as_viewer = http.post(
            "/api/v1/changes",
            json={"kind": "change", "id": "A", "title": "x"},
            headers={"authorization": f"Bearer {viewer}"},
        )
        assert as_viewer.status_code == 201
        assert [who for _, who, _ in _stored(url)] == ["vic"]


@pytest.mark.parametrize(
    ("body", "content_type", "verdict"),
    [
        (
            b'{"kind": "change", "id": "MKT-1", "title": "Black Friday banner text",'
            b' "requested_by": "dana"}',
            "application/json",
            "hotfix",
        ),
        (
            b"kind: change\nid: MKT-1\ntitle: Add a tracking pixel script to the cart page\n"
            b"requested_by: dana\n",
            "application/yaml",
            "no-hotfix",
        ),
    ],
)
def test_the_api_decides_and_keeps_a_change_request(
    client: tuple[TestClient, str], body: bytes, content_type: str, verdict: str
) -> None:
    http, url = client
    response = http.post("/api/v1/changes", content=body, headers={"content-type": content_type})
    assert response.status_code == 201, response.text
    decision = response.json()
    assert (decision["subject"]["kind"], decision["subject"]["key"]) == ("change", "change:MKT-1")
    assert decision["verdict"] == verdict
    assert decision["release"]["date"] == NEXT_RELEASE.isoformat()
    assert _stored(url) == [(decision["subject"]["title"], "dana", verdict)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "change", "id": "A", "title": "Banner"}, "requested_by: say who is asking"),
        (
            {"kind": "issue", "key": "jira:A-1", "source": "jira", "title": "Crash"},
            "send exactly one change request",
        ),
        (
            {"kind": "change", "id": "A", "title": "Banner", "changes": ["banner"]},
            "field 'changes.0'",
        ),
    ],
)
def test_the_api_refuses_what_is_no_change_request(
    client: tuple[TestClient, str], body: dict[str, object], message: str
) -> None:
    http, url = client
    response = http.post("/api/v1/changes", json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert _stored(url) == []


def test_a_token_names_who_asked(tmp_path: Path) -> None:
    app, url = _app(tmp_path, host="0.0.0.0")
    with TestClient(app) as http:
        secret = _token(url, "dana.okafor", "requester")
        response = http.post(
            "/api/v1/changes",
            json={"kind": "change", "id": "A", "title": "Banner text", "requested_by": "someone"},
            headers={"authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 201
        assert [who for _, who, _ in _stored(url)] == ["dana.okafor"]


# --- in the browser -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app served over loopback by uvicorn in a thread; its address and store URL."""
    app, url = _app(tmp_path)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_a_marketer_asks_in_chromium(served: tuple[str, str], tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    address, url = served
    # the browser fixture skips (or, under CI, fails) without Chromium
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    # the browser asks for /favicon.ico on its own; every other failing request is a fault
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{address}/changes/new")
    page.get_by_label("What should change?").fill("Holiday shipping deadline notice")
    page.get_by_label("Tell us more").fill("Order by 18 December for delivery before Christmas.")
    page.get_by_label("A shipping deadline or notice").check()
    page.get_by_label("Which approved template?").select_option("shipping-notice")
    page.get_by_label("Must be live by").fill("2030-06-01")
    page.get_by_label("Your name or e-mail").fill("li.wei@example.com")
    page.get_by_role("button", name="Get the answer").click()
    answer = page.locator("#answer .answer-card")
    expect(answer).to_contain_text("Yes — this can go live now")
    expect(answer).to_contain_text("asked by li.wei@example.com")
    assert page.url.endswith("/changes/new")  # htmx answered in place
    page.screenshot(path=str(tmp_path / "change-form.png"), full_page=True)
    assert (tmp_path / "change-form.png").stat().st_size > 10_000

    page.get_by_label("What should change?").fill("Add a tracking pixel script to the cart page")
    page.get_by_label("A shipping deadline or notice").uncheck()
    page.get_by_label("Which approved template?").select_option("")
    page.get_by_role("button", name="Get the answer").click()
    expect(answer).to_contain_text("This has to go through the next regular release.")
    expect(answer).to_contain_text("You wrote:")
    assert errors == []
    assert {who for _, who, _ in _stored(url)} == {"li.wei@example.com"}
    assert sorted(verdict for *_, verdict in _stored(url)) == ["hotfix", "no-hotfix"]


def test_the_stateless_assess_decides_a_change_request_too(client: tuple[TestClient, str]) -> None:
    http, url = client
    body = {
        "kind": "change",
        "id": "MKT-9",
        "title": "Add a tracking pixel script to the cart page",
    }
    response = http.post("/api/v1/assess", json=body, params={"next_release": "2030-06-14"})
    assert response.status_code == 200, response.text
    decision = response.json()
    assert (decision["subject"]["kind"], decision["verdict"]) == ("change", "no-hotfix")
    assert [c["name"] for c in decision["criteria"]] == ["simple", "needed", "safe"]
    assert _stored(url) == []  # assess keeps nothing
