"""The web pages: queue, decision, review actions, audit, dashboard, sign-in; all escaped."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.api import Settings, create_app
from hotgate.model import Release
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.reading.signals import issues_frame
from hotgate.store.records import now
from hotgate.store.tables import api_tokens, decisions
from samples import builtin_policy, sample_decisions, sample_issue

EVIL = '<script>alert("owned")</script> Checkout <b>broken</b>'
HX = {"HX-Request": "true"}


@pytest.fixture
def recorded(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Decisions on record: four assessed alone (one with a hostile title), one by a bulk run."""
    issues = [
        sample_issue(1),
        sample_issue(2, "no-hotfix"),
        sample_issue(3, "needs-info"),
        sample_issue(4, title=EVIL),
    ]
    context = context_from_options(date(2026, 11, 1), None)
    with sessions.begin() as session:
        store.record_decisions(session, sample_decisions(issues))
        frame = evaluate(builtin_policy(), issues_frame([sample_issue(5, "needs-info")]), context)
        store.record_documents(session, decision_documents(builtin_policy(), frame, context))
        items, _ = store.list_decisions(session, limit=10)
    return {item.subject_key.rsplit("#", 1)[1]: item.id for item in items}


def _signed_in(client: TestClient, token: str) -> None:
    answer = client.post("/signin", data={"token": token, "next": "/"})
    assert answer.status_code == 303


def test_the_queue_ranks_and_escapes(client: TestClient, recorded: dict[str, int]) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html
    assert (
        "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; Checkout &lt;b&gt;broken&lt;/b&gt;"
        in html
    )
    order = [int(n) for n in re.findall(r"<code>github:acme/shop#(\d+)</code>", html)]
    assert order[:2] in ([1, 4], [4, 1])
    assert order[-1] == 2
    assert "Content-Security-Policy" in page.headers or "content-security-policy" in page.headers


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("?verdict=no-hotfix", ["#2<"], ["#1<", "#3<"]),
        ("?verdict=needs-info", ["#3<", "#5<"], ["#1<", "#2<"]),
        ("?state=approved", [], ["#1<", "#2<"]),
        ("?source=github&verdict=hotfix", ["#1<", "#4<"], ["#2<"]),
        ("?verdict=nonsense", ["#1<", "#2<"], []),
    ],
)
def test_the_queue_filters(
    client: TestClient, recorded: dict[str, int], query: str, shown: list[str], hidden: list[str]
) -> None:
    answer = client.get(f"/{query}")
    assert answer.status_code == 200
    html = answer.text
    # a filter that matches nothing says so, rather than showing an empty table
    assert ("Nothing here yet." in html) == (not shown)
    for key in shown:
        assert f"github:acme/shop{key}/code>" in html
    for key in hidden:
        assert f"github:acme/shop{key}/code>" not in html


def test_htmx_gets_only_the_table(client: TestClient, recorded: dict[str, int]) -> None:
    part = client.get("/?verdict=hotfix", headers={**HX, "HX-Target": "queue"}).text
    assert part.lstrip().startswith('<section id="queue"')
    assert "<html" not in part


def test_an_empty_queue_says_what_to_do(client: TestClient) -> None:
    assert "hotgate triage FILE" in client.get("/").text


def test_the_decision_page_shows_the_checklist(
    client: TestClient, recorded: dict[str, int]
) -> None:
    html = client.get(f"/decisions/{recorded['3']}").text
    assert "Checklist" in html
    assert "<h2>Ask</h2>" in html
    assert "Does it affect most users — a common function, on common input" in html
    assert "<h2>What would change this</h2>" in html
    assert re.search(r"unknown · \d+% yes", html)
    assert "Is there a workaround at all?" in html
    assert "How the numbers were computed" in html
    assert "Sign in</a> with an approver token" in html


def test_a_bulk_decision_page_shows_the_whole_decision(
    client: TestClient, recorded: dict[str, int]
) -> None:
    html = client.get(f"/decisions/{recorded['5']}").text
    assert "Recorded by a bulk triage run" not in html
    assert "How the numbers were computed" in html
    assert "Is there a workaround at all?" in html
    assert re.search(r"unknown · \d+% yes", html)


def test_a_compact_record_of_an_earlier_release_says_so(
    client: TestClient, recorded: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    """Bulk runs before the whole decision was recorded kept a compact checklist."""
    compact = {
        "probability": 0.42,
        "criteria": [
            {
                "name": "no_workaround",
                "answer": "unknown",
                "probability": 0.5,
                "evidence": {"rule": None, "because": None},
            }
        ],
        "override": None,
        "compact": True,
    }
    with sessions.begin() as session:
        session.execute(
            update(decisions).where(decisions.c.id == recorded["5"]).values(evidence=compact)
        )
    html = client.get(f"/decisions/{recorded['5']}").text
    assert "Recorded by a bulk triage run of an earlier hotgate release" in html
    assert "unknown · 50% yes" in html
    assert "Is there a workaround at all?" in html  # the question, from the current policy


def test_the_decision_page_escapes_the_title(client: TestClient, recorded: dict[str, int]) -> None:
    html = client.get(f"/decisions/{recorded['4']}").text
    assert "<script>alert" not in html
    assert "<b>broken</b>" not in html
    assert "&lt;script&gt;" in html


def test_a_missing_decision_page_is_404(client: TestClient) -> None:
    answer = client.get("/decisions/99999")
    assert answer.status_code == 404
    assert "There is no decision 99999" in answer.text


@pytest.mark.parametrize(
    ("who", "hx", "form", "status", "text", "state"),
    [
        ("approver", True, {"action": "approve", "version": "1"}, 200, "approved", "approved"),
        (
            "admin",
            True,
            {"action": "override", "version": "1", "verdict": "wait", "reason": "release Monday"},
            200,
            "release Monday",
            "overridden",
        ),
        (
            "approver",
            True,
            {"action": "approve", "version": "7"},
            409,
            "changed since you loaded it",
            "proposed",
        ),
        (
            "approver",
            True,
            {"action": "override", "version": "1", "verdict": "wait"},
            422,
            "needs a reason",
            "proposed",
        ),
        ("approver", True, {"action": "sing", "version": "1"}, 422, "not valid", "proposed"),
        ("approver", False, {"action": "approve", "version": "1"}, 403, "own pages", "proposed"),
        (
            "viewer",
            True,
            {"action": "approve", "version": "1"},
            403,
            "needs the approver role",
            "proposed",
        ),
        (None, True, {"action": "approve", "version": "1"}, 401, "approver role", "proposed"),
    ],
)
def test_reviews_from_the_page(
    client: TestClient,
    recorded: dict[str, int],
    tokens: dict[str, str],
    who: str | None,
    hx: bool,
    form: dict[str, str],
    status: int,
    text: str,
    state: str,
) -> None:
    if who:
        _signed_in(client, tokens[who])
    decision_id = recorded["1"]
    answer = client.post(f"/decisions/{decision_id}/review", data=form, headers=HX if hx else {})
    assert answer.status_code == status
    assert text in answer.text
    assert f'<span class="state state-{state}">{state}</span>' in answer.text
    record = client.get(f"/api/v1/decisions/{decision_id}").json()
    assert record["state"] == state


def test_the_review_panel_offers_the_next_steps(
    client: TestClient, recorded: dict[str, int], tokens: dict[str, str]
) -> None:
    _signed_in(client, tokens["approver"])
    decision_id = recorded["1"]
    html = client.get(f"/decisions/{decision_id}").text
    assert 'data-action="approve"' in html
    assert 'data-action="deployed"' not in html
    client.post(
        f"/decisions/{decision_id}/review", data={"action": "approve", "version": "1"}, headers=HX
    )
    html = client.get(f"/decisions/{decision_id}").text
    assert 'data-action="approve"' not in html
    assert 'data-action="deployed"' in html
    assert "Approver Person" in html


def test_a_shipped_hotfix_can_be_marked_regressed_then_rolled_back(
    client: TestClient, recorded: dict[str, int], tokens: dict[str, str]
) -> None:
    _signed_in(client, tokens["approver"])
    decision_id = recorded["1"]
    for version, action in enumerate(["approve", "deployed"], start=1):
        form = {"action": action, "version": str(version)}
        client.post(f"/decisions/{decision_id}/review", data=form, headers=HX)
    html = client.get(f"/decisions/{decision_id}").text
    assert 'data-action="regressed"' in html
    assert 'data-action="rolled-back"' in html
    form = {"action": "regressed", "version": "3", "reason": "search went blank"}
    answer = client.post(f"/decisions/{decision_id}/review", data=form, headers=HX)
    assert answer.status_code == 200
    assert '<span class="state state-regressed">regressed</span>' in answer.text
    assert 'data-action="regressed"' not in answer.text
    assert 'data-action="verified"' not in answer.text
    assert 'data-action="rolled-back"' in answer.text
    assert "search went blank" in answer.text
    assert "review.regressed" in client.get("/audit").text


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/audit", "/audit"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil", "/"),
    ],
)
def test_sign_in_goes_back_only_to_this_site(
    client: TestClient, tokens: dict[str, str], target: str, landing: str
) -> None:
    answer = client.post("/signin", data={"token": tokens["viewer"], "next": target})
    assert answer.status_code == 303
    assert answer.headers["location"] == landing
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_wrong_token_does_not_sign_in(client: TestClient) -> None:
    answer = client.post("/signin", data={"token": "hg_wrong", "next": "/"})
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.text
    assert "set-cookie" not in answer.headers


def test_an_expired_token_does_not_sign_in_and_says_when_it_expired(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    expired = datetime(2020, 1, 31, 12, 0, tzinfo=UTC)
    with sessions.begin() as session:
        _, secret = store.create_token(session, "Old Approver", "approver", expires_at=expired)
    answer = client.post("/signin", data={"token": secret, "next": "/"})
    assert answer.status_code == 401
    assert (
        "The token expired on 2020-01-31; make a new one with: "
        "hotgate token create --role approver --expires-in DAYS"
    ) in answer.text
    assert "set-cookie" not in answer.headers


def test_a_sign_in_whose_token_expired_is_signed_out(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    tomorrow = now() + timedelta(days=1)
    with sessions.begin() as session:
        made, secret = store.create_token(session, "Ada", "approver", expires_at=tomorrow)
    _signed_in(client, secret)
    assert '<span class="who-name">Ada</span>' in client.get("/").text
    with sessions.begin() as session:
        session.execute(
            update(api_tokens).where(api_tokens.c.id == made.id).values(expires_at=now())
        )
    # as with a revoked token: the open loopback pages show, to nobody in particular
    page = client.get("/")
    assert page.status_code == 200
    assert '<span class="who-name">' not in page.text


def test_sign_out_forgets_the_cookie(client: TestClient, tokens: dict[str, str]) -> None:
    _signed_in(client, tokens["approver"])
    assert '<span class="who-name">Approver Person</span>' in client.get("/").text
    client.post("/signout")
    assert '<span class="who-name">' not in client.get("/").text


@pytest.mark.parametrize(
    ("path", "status"), [("/", 200), ("/audit", 200), ("/dashboard", 200), ("/decisions/1", 404)]
)
def test_a_public_server_asks_to_sign_in(
    settings: Settings, tokens: dict[str, str], path: str, status: int
) -> None:
    public = settings.model_copy(update={"host": "0.0.0.0"})
    with TestClient(create_app(public), follow_redirects=False) as client:
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/signin?next=")
        _signed_in(client, tokens["viewer"])
        assert client.get(path).status_code == status  # no decision is recorded: 404


def test_the_audit_page(
    client: TestClient, recorded: dict[str, int], tokens: dict[str, str]
) -> None:
    _signed_in(client, tokens["approver"])
    client.post(
        f"/decisions/{recorded['1']}/review",
        data={
            "action": "override",
            "version": "1",
            "verdict": "no-hotfix",
            "reason": "<i>staff only</i>",
        },
        headers=HX,
    )
    html = client.get("/audit").text
    assert "review.override" in html
    assert "&lt;i&gt;staff only&lt;/i&gt;" in html
    assert f'href="/decisions/{recorded["1"]}"' in html


def test_the_dashboard_carries_its_chart_data_safely(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    hostile = Release(
        name="</script><script>alert(1)</script>", date=date(2026, 11, 20), days_until=19
    )
    [decision] = sample_decisions([sample_issue(1)])
    with sessions.begin() as session:
        store.record_decisions(session, [decision.model_copy(update={"release": hostile})])
    html = client.get("/dashboard").text
    assert "</script><script>alert(1)" not in html
    assert 'id="chart-data"' in html
    assert '<script src="/static/vendor/chart.umd.min.js"' in html
    assert "Hotfixes per release" in html


NEXT_STEPS = {
    "proposed": {"approve", "reject", "override"},
    "approved": {"override", "deployed"},
    "rejected": {"override"},
    "overridden": {"deployed"},
    "deployed": {"verified", "regressed", "rolled-back"},
    "verified": {"regressed", "rolled-back"},
    "regressed": {"rolled-back"},
    "rolled-back": set(),
}


@pytest.mark.parametrize(("state", "steps"), NEXT_STEPS.items())
def test_the_review_panel_offers_exactly_the_steps_the_workflow_allows(
    state: str, steps: set[str]
) -> None:
    from types import SimpleNamespace

    from hotgate.api.pages import VERDICT_WORDS, templates
    from hotgate.model import VERDICTS

    decision = SimpleNamespace(
        id=1, version=1, state=state, verdict="hotfix", final_verdict=None, reviews=[]
    )
    approver = SimpleNamespace(may=lambda role: True)
    html = templates.get_template("_review_panel.html").render(
        d=decision, caller=approver, verdict_words=VERDICT_WORDS, verdicts=VERDICTS, oob=False
    )
    assert set(re.findall(r'data-action="([^"]+)"', html)) == steps


def test_the_dashboard_shows_overrides_by_criterion(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    assert "No reviewed decisions yet" in client.get("/dashboard").text
    decisions = sample_decisions([sample_issue(1), sample_issue(2)])
    with sessions.begin() as session:
        store.record_decisions(session, decisions)
        first, second = store.list_decisions(session)[0]
        store.review(session, first.id, "override", "rm", reason="docs only", verdict="no-hotfix")
        store.review(session, second.id, "approve", "rm")
    html = client.get("/dashboard").text
    assert "How often people overrode hotgate, by criterion" in html
    rows = re.findall(r"<tr><td>(\w+)</td><td>(\w+)</td><td>(\d+)</td><td>(\d+)</td>", html)
    by_criterion: dict[str, tuple[int, int]] = {}
    for criterion, _answer, reviewed, overridden in rows:
        seen = by_criterion.get(criterion, (0, 0))
        by_criterion[criterion] = (seen[0] + int(reviewed), seen[1] + int(overridden))
    assert by_criterion == {
        "significant": (2, 1),
        "broad_reach": (2, 1),
        "no_workaround": (2, 1),
    }
