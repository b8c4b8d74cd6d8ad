"""The decision page of a bulk run's decision shows why, as an assessed one does."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.reading.signals import issues_frame
from samples import builtin_policy, sample_issue


def test_a_bulk_decision_page_shows_the_ask_card_and_excerpts(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    context = context_from_options(date(2026, 11, 1), None)
    frame = evaluate(builtin_policy(), issues_frame([sample_issue(7, "needs-info")]), context)
    with sessions.begin() as session:
        store.record_documents(session, decision_documents(builtin_policy(), frame, context))
        items, _ = store.list_decisions(session, limit=1)
    html = client.get(f"/decisions/{items[0].id}").text
    assert "<h2>Ask</h2>" in html
    assert "Recorded by a bulk triage run" not in html
    assert '<td class="excerpt">“' in html
    assert "crashes the app" in html
    assert "How the numbers were computed" in html
