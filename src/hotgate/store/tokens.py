"""API tokens: made with a role, shown once, stored only as a hash, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.orm import Session

from hotgate.store.audit import audit
from hotgate.store.records import ROLES, Role, TokenRecord, now
from hotgate.store.tables import api_tokens

PREFIX = "hg_"
# ten years: longer is what "no expiry" is for, and far-off dates overflow nothing
MAX_EXPIRY_DAYS = 3650
# last_used_at is kept to the minute: a busy API writes once a minute per token, not per request
USE_NOTED_EVERY = timedelta(minutes=1)
# noting a use is bookkeeping: wait this long at most for a lock held by another writer
USE_LOCK_WAIT_MS = 200

_PUBLIC = [c for c in api_tokens.c if c.name != "token_sha256"]


def token_hash(secret: str) -> str:
    """The stored form of a token.

    A plain SHA-256 is enough: tokens are 256 random bits, so there is nothing to guess
    that a slow password hash would protect.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def role_allows(role: str, needed: Role) -> bool:
    """Whether a role includes the rights of another (admin > approver > requester > viewer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def expiry_after(days: int, at: datetime | None = None) -> datetime:
    """The expiry of a token that should work for this many days from a moment (default now)."""
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise ValueError(f"a token expires after 1 to {MAX_EXPIRY_DAYS} days, not {days}")
    return (at or now()) + timedelta(days=days)


def create_token(
    session: Session,
    name: str,
    role: Role,
    actor: str = "cli",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> tuple[TokenRecord, str]:
    """Make a token at a moment (default now), expiring at expires_at (None: never).

    Returns its record and the secret, which is never stored.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    values = {"name": name, "role": role, "token_sha256": token_hash(secret)}
    row = (
        session.execute(
            api_tokens.insert()
            .values(**values, created_at=at or now(), expires_at=expires_at)
            .returning(*_PUBLIC)
        )
        .mappings()
        .one()
    )
    details = {"name": name, "role": role}
    if expires_at is not None:
        details["expires_at"] = expires_at.isoformat()
    audit(session, actor, "token.create", f"token:{row['id']}", details)
    return TokenRecord.model_validate(dict(row)), secret


def find_token(session: Session, secret: str) -> TokenRecord | None:
    """The token with this secret unless it is unknown or revoked, expired or not.

    The API uses it to tell an expired token from an unknown one; to authenticate, check
    `expired()` or use verify_token.
    """
    query = select(*_PUBLIC).where(
        api_tokens.c.token_sha256 == token_hash(secret), api_tokens.c.revoked_at.is_(None)
    )
    row = session.execute(query).mappings().first()
    return None if row is None else TokenRecord.model_validate(dict(row))


def verify_token(session: Session, secret: str, at: datetime | None = None) -> TokenRecord | None:
    """The live token with this secret at a moment (default now): not revoked, not expired."""
    token = find_token(session, secret)
    return None if token is None or token.expired(at or now()) else token


def note_token_use(session: Session, token: TokenRecord, at: datetime | None = None) -> bool:
    """Record that a token was used; True when it wrote, which is at most once a minute.

    The caller commits, and should let a failure pass: a read must not fail because its
    bookkeeping could not be written.
    """
    at = at or now()
    # the record was just read: most uses end here, without a write
    if token.last_used_at is not None and at - token.last_used_at < USE_NOTED_EVERY:
        return False
    # the same condition again in the statement: of requests racing past the check, one writes
    stale = or_(
        api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at <= at - USE_NOTED_EVERY
    )
    with _brief_lock_wait(session):
        result = session.execute(
            update(api_tokens).where(api_tokens.c.id == token.id, stale).values(last_used_at=at)
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@contextmanager
def _brief_lock_wait(session: Session) -> Iterator[None]:
    # A bulk triage run can hold SQLite's database-wide write lock for seconds (and a stuck
    # transaction a PostgreSQL row lock for ever): give up rather than hold the request.
    # The caller's own wait is put back afterwards, for the rest of its transaction.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        before = connection.exec_driver_sql("SHOW lock_timeout").scalar_one()
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {USE_LOCK_WAIT_MS}")
        yield
        # not reached after a failure, which aborts the whole transaction anyway
        restore = text("SELECT set_config('lock_timeout', :before, true)")
        connection.execute(restore, {"before": before})
        return
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {USE_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {before}")


def _live(at: datetime) -> ColumnElement[bool]:
    not_expired = or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > at)
    return api_tokens.c.revoked_at.is_(None) & not_expired


def live_token_count(session: Session, at: datetime | None = None) -> int:
    """How many tokens are live at a moment (default now): neither revoked nor expired."""
    query = select(func.count()).select_from(api_tokens).where(_live(at or now()))
    return int(session.execute(query).scalar_one())


def list_tokens(session: Session) -> list[TokenRecord]:
    """Every token's public part, oldest first."""
    query = select(*_PUBLIC).order_by(api_tokens.c.id)
    return [TokenRecord.model_validate(dict(row)) for row in session.execute(query).mappings()]


def revoke_token(session: Session, token_id: int, actor: str = "cli") -> bool:
    """Revoke a token; False when no unrevoked token has that id."""
    result = session.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if result.rowcount:  # type: ignore[attr-defined]
        audit(session, actor, "token.revoke", f"token:{token_id}")
        return True
    return False
