"""API tokens as the store keeps them: hashed, revocable, expiring, their last use noted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hotgate import store
from hotgate.store.records import TokenRecord, now, utc
from hotgate.store.tables import api_tokens

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _last_use(session: Session, token_id: int) -> datetime | None:
    query = select(api_tokens.c.last_used_at).where(api_tokens.c.id == token_id)
    return utc(session.execute(query).scalar_one())


def _lock_wait(session: Session) -> str:
    """How long this connection waits for another writer's lock."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return str(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    return str(connection.exec_driver_sql("SHOW lock_timeout").scalar_one())


def _read(session: Session, secret: str, at: datetime = T0) -> TokenRecord:
    token = store.verify_token(session, secret, at)
    assert token is not None
    return token


def test_tokens_are_stored_hashed_and_can_be_revoked(session: Session) -> None:
    record, secret = store.create_token(session, "ci", "approver")
    stored = session.execute(select(api_tokens.c.token_sha256)).scalar_one()
    assert secret not in stored
    assert len(stored) == 64
    found = store.verify_token(session, secret)
    assert found is not None
    assert (found.name, found.role, found.expires_at) == ("ci", "approver", None)
    assert store.verify_token(session, secret + "x") is None
    assert store.live_token_count(session) == 1
    assert store.revoke_token(session, record.id)
    assert not store.revoke_token(session, record.id)
    assert store.verify_token(session, secret) is None
    assert store.find_token(session, secret) is None
    assert store.live_token_count(session) == 0


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        ("viewer", "viewer", True),
        ("viewer", "requester", False),
        ("requester", "viewer", True),
        ("requester", "approver", False),
        ("approver", "requester", True),
        ("approver", "admin", False),
        ("admin", "approver", True),
        ("owner", "viewer", False),
    ],
)
def test_roles_include_weaker_ones(role: str, needed: str, allowed: bool) -> None:
    assert store.role_allows(role, needed) is allowed  # type: ignore[arg-type]


def test_an_unknown_role_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        store.create_token(session, "x", "owner")  # type: ignore[arg-type]


# expiry relative to the moment of the check -> whether the token is live then
@pytest.mark.parametrize(
    ("expires_in", "live"),
    [
        (None, True),
        (timedelta(days=90), True),
        (timedelta(microseconds=1), True),
        (timedelta(0), False),
        (timedelta(days=-1), False),
    ],
)
def test_a_token_works_until_its_expiry(
    session: Session, expires_in: timedelta | None, live: bool
) -> None:
    expires_at = None if expires_in is None else T0 + expires_in
    record, secret = store.create_token(session, "ci", "viewer", expires_at=expires_at)
    assert record.expires_at == expires_at
    assert (store.verify_token(session, secret, T0) is not None) is live
    assert record.expired(T0) is not live
    # an expired token is still found, so the API can say that it expired and when
    found = store.find_token(session, secret)
    assert found is not None
    assert found.expires_at == expires_at
    assert store.live_token_count(session, T0) == int(live)


def test_live_token_count_leaves_out_revoked_and_expired_tokens(session: Session) -> None:
    store.create_token(session, "forever", "admin")
    store.create_token(session, "next year", "viewer", expires_at=now() + timedelta(days=365))
    store.create_token(session, "last week", "admin", expires_at=now() - timedelta(days=7))
    revoked, _ = store.create_token(session, "revoked", "admin")
    store.revoke_token(session, revoked.id)
    assert store.live_token_count(session) == 2
    assert [t.name for t in store.list_tokens(session)] == [
        "forever",
        "next year",
        "last week",
        "revoked",
    ]


def test_the_expiry_is_on_record_in_the_audit_log(session: Session) -> None:
    record, _ = store.create_token(session, "ci", "viewer", expires_at=T0)
    entries, _ = store.audit_entries(session, target=f"token:{record.id}")
    assert entries[0].details == {"name": "ci", "role": "viewer", "expires_at": T0.isoformat()}


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, T0 + timedelta(days=1)), (90, T0 + timedelta(days=90)), (3650, T0 + timedelta(3650))],
)
def test_expiry_after_days(days: int, expected: datetime) -> None:
    assert store.expiry_after(days, T0) == expected


@pytest.mark.parametrize("days", [0, -5, store.MAX_EXPIRY_DAYS + 1])
def test_an_expiry_out_of_range_is_refused(days: int) -> None:
    with pytest.raises(ValueError, match="1 to 3650 days"):
        store.expiry_after(days, T0)


# time since the stored last use (None: never used) -> whether a new use is written
@pytest.mark.parametrize(
    ("since", "written"),
    [
        (None, True),
        (timedelta(0), False),
        (timedelta(seconds=59), False),
        (timedelta(minutes=1), True),
        (timedelta(days=3), True),
    ],
)
def test_a_use_is_noted_at_most_once_a_minute(
    session: Session, since: timedelta | None, written: bool
) -> None:
    record, secret = store.create_token(session, "ci", "viewer")
    before = None
    if since is not None:
        before = T0 - since
        assert store.note_token_use(session, record, before)
    at = T0
    assert store.note_token_use(session, _read(session, secret), at) is written
    assert _last_use(session, record.id) == (at if written else before)


def test_first_use_is_noted_and_not_rewritten_within_the_minute(session: Session) -> None:
    record, secret = store.create_token(session, "ci", "viewer")
    assert record.last_used_at is None
    assert store.note_token_use(session, _read(session, secret), T0)
    assert _last_use(session, record.id) == T0
    assert _read(session, secret).last_used_at == T0
    assert not store.note_token_use(session, _read(session, secret), T0 + timedelta(seconds=30))
    # a record read before that first use (a request racing it) does not write again either
    assert not store.note_token_use(session, record, T0 + timedelta(seconds=30))
    assert _last_use(session, record.id) == T0
    later = T0 + timedelta(minutes=1, seconds=1)
    assert store.note_token_use(session, _read(session, secret), later)
    assert _last_use(session, record.id) == later
    assert store.list_tokens(session)[0].last_used_at == later


def test_noting_a_use_gives_up_when_another_writer_holds_the_lock(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        record, _ = store.create_token(session, "ci", "viewer")
    with engine.connect() as other:
        # an unfinished write: SQLite's database lock, PostgreSQL's row lock
        other.execute(update(api_tokens).where(api_tokens.c.id == record.id).values(name="ci"))
        with sessions() as session:
            with pytest.raises(SQLAlchemyError):
                store.note_token_use(session, record, T0)
            session.rollback()
        other.rollback()
    with sessions.begin() as session:
        assert _last_use(session, record.id) is None
        wait_before = _lock_wait(session)
        assert store.note_token_use(session, record, T0)
        # the short wait was for that statement only: the rest of the transaction waits as before
        assert _lock_wait(session) == wait_before
    with sessions() as session:
        assert _last_use(session, record.id) == T0
