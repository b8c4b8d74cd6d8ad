"""The pages in real headless Chromium: queue, decision, approve with an approver token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api import Settings
from hotgate.api.testing import live_server
from samples import sample_decisions, sample_issue

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
EVIL = '<script>window.owned = true</script><img src=x onerror="window.owned = true"> Cart empties'

pytestmark = pytest.mark.browser


@pytest.fixture
def site(database_url: str, sessions: sessionmaker[Session]) -> Iterator[tuple[str, str]]:
    """A server with decisions on record, and an approver's token."""
    issues = [
        sample_issue(1),
        sample_issue(2, "no-hotfix"),
        sample_issue(3, "needs-info"),
        sample_issue(4, title=EVIL),
    ]
    with sessions.begin() as session:
        store.record_decisions(session, sample_decisions(issues))
        _, secret = store.create_token(session, "Ada Lovelace", "approver")
    with live_server(Settings(database_url=database_url)) as url:
        yield url, secret


@pytest.fixture(scope="module")
def shots() -> Path:
    """Where screenshots go (test-artifacts/web, kept out of git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def test_open_the_queue_open_a_decision_and_approve_it(
    browser, site, shots: Path, database_url: str
) -> None:  # type: ignore[no-untyped-def]
    url, secret = site
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{url}/")
    assert page.locator("h1").inner_text() == "Triage queue"
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 4
    assert (
        page.locator("table.queue tbody tr").first.locator(".verdict").inner_text() == "Hotfix now"
    )
    page.screenshot(path=shots / f"{backend}-1-queue.png", full_page=True)

    # the hostile title shows as text, and nothing in it ran
    assert (
        page.locator("table.queue").inner_text().count("<script>window.owned = true</script>") == 1
    )
    assert page.evaluate("window.owned === undefined")

    page.get_by_role("link", name="Sign in").click()
    page.fill("input[name=token]", secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    assert page.locator(".who-name").inner_text() == "Ada Lovelace"

    page.get_by_role("link", name="Checkout crashes for every user").click()
    page.wait_for_url("**/decisions/*")
    assert page.locator("#state-badge").inner_text() == "proposed"
    assert page.locator(".checklist > li").count() == 3
    page.screenshot(path=shots / f"{backend}-2-decision.png", full_page=True)

    page.locator("button[data-action=approve]").click()
    page.locator("#review .timeline").wait_for()
    assert page.locator("#state-badge").inner_text() == "approved"
    assert "approve by Ada Lovelace" in page.locator("#review .timeline").inner_text()
    assert page.locator("button[data-action=deployed]").is_visible()
    page.screenshot(path=shots / f"{backend}-3-approved.png", full_page=True)

    page.reload()
    assert page.locator("#state-badge").inner_text() == "approved"

    page.goto(f"{url}/dashboard")
    page.locator("#by-day").wait_for()
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 3")
    page.screenshot(path=shots / f"{backend}-4-dashboard.png", full_page=True)
    page.goto(f"{url}/audit")
    assert "review.approve" in page.locator("table.audit").inner_text()
    page.screenshot(path=shots / f"{backend}-5-audit.png", full_page=True)
    assert errors == []
