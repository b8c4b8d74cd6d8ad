"""The faces' service functions: tokens made and checked as the API and CLI both need them, and
issues decided and recorded in one call for the issues route and the webhooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.services import records, tokens
from samples import sample_issue

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("role", "days", "problem"),
    [
        ("owner", None, "'owner' is not one of viewer, requester, approver, admin"),
        ("viewer", 0, "a token expires after 1 to 3650 days, not 0"),
        ("admin", 3651, "a token expires after 1 to 3650 days, not 3651"),
    ],
)
def test_a_token_with_an_unknown_role_or_an_expiry_out_of_range_is_refused(
    session: Session, role: str, days: int | None, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        tokens.create(session, "ci", role, actor="test", expires_in_days=days, at=T0)
    assert tokens.list_all(session) == []


def test_a_token_is_made_found_and_revoked(session: Session) -> None:
    record, secret = tokens.create(
        session, "ci", "approver", actor="test", expires_in_days=30, at=T0
    )
    assert (record.role, record.expires_at) == ("approver", T0 + timedelta(days=30))
    found = tokens.find(session, secret)
    assert found is not None
    assert found.id == record.id
    assert tokens.find(session, secret + "x") is None
    assert tokens.role_allows(record.role, "viewer")
    assert not tokens.role_allows(record.role, "admin")
    assert tokens.revoke(session, record.id, actor="test")
    assert not tokens.revoke(session, record.id, actor="test")  # no longer live
    assert tokens.live_count(session) == 0


def test_issues_are_decided_and_recorded_in_the_order_they_came(
    session: Session, policy: Policy, context: Context
) -> None:
    issues = [
        sample_issue(3, kind="no-hotfix"),
        sample_issue(1, kind="hotfix"),
        sample_issue(2, kind="no-hotfix"),
    ]
    counts, latest = records.decide_and_record(session, issues, policy, context, answered_by="t")
    assert counts.inserted == 3
    assert list(latest) == [issue.key for issue in issues]
    assert [latest[issue.key].verdict for issue in issues] == ["no-hotfix", "hotfix", "no-hotfix"]
    again, _ = records.decide_and_record(session, issues[:1], policy, context, answered_by="t")
    assert again.inserted == 0  # the same key is updated in place, never stored twice
