"""The interactive API docs at /docs: Swagger UI served from the package, shown in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotgate.api import Settings
from hotgate.api.testing import live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
VENDOR = "/static/vendor/swagger-ui"


def test_the_docs_page_loads_only_the_packages_own_files(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text  # no inline script: the CSP would block it
    for asset, kind in [
        (f"{VENDOR}/swagger-ui-bundle.js", "javascript"),
        (f"{VENDOR}/swagger-ui.css", "text/css"),
        ("/static/docs.js", "javascript"),
    ]:
        assert f'"{asset}"' in page.text
        served = client.get(asset)
        assert served.status_code == 200
        assert kind in served.headers["content-type"]
    assert "SwaggerUIBundle" in client.get(f"{VENDOR}/swagger-ui-bundle.js").text
    assert "http" not in page.text.replace('lang="en"', "")  # nothing from another site
    assert client.get("/redoc").status_code == 404  # it loaded its script from a CDN


@pytest.fixture
def server(database_url: str) -> Iterator[str]:
    """The server over loopback."""
    with live_server(Settings(database_url=database_url)) as url:
        yield url


@pytest.mark.browser
def test_the_docs_render_every_operation_in_chromium(
    browser: Any, server: str, database_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.goto(f"{server}/docs")
    page.locator(".opblock-summary-path", has_text="/api/v1/assess").first.wait_for()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/healthz", "/api/v1/assess", "/api/v1/decisions/{decision_id}/review"} <= {
        p.strip() for p in paths
    }
    assert page.locator(".info .title").inner_text().startswith("hotgate")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    page.screenshot(path=ARTIFACTS / f"{backend}-6-api-docs.png", full_page=False)
    assert problems == []
