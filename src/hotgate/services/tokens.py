"""API tokens for the faces: make, find, list and revoke them, and note their use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotgate.store import tokens as token_store
from hotgate.store.records import ROLES, Role, TokenRecord, now
from hotgate.store.tokens import MAX_EXPIRY_DAYS, USE_NOTED_EVERY, role_allows

__all__ = [
    "MAX_EXPIRY_DAYS",
    "ROLES",
    "USE_NOTED_EVERY",
    "Role",
    "TokenRecord",
    "create",
    "find",
    "list_all",
    "live_count",
    "note_use",
    "revoke",
    "role_allows",
]


def create(
    session: Session,
    name: str,
    role: str,
    actor: str,
    expires_in_days: int | None = None,
    at: datetime | None = None,
) -> tuple[TokenRecord, str]:
    """Make a token with a role; returns its record and its secret (shown once, kept hashed).

    expires_in_days (1 to MAX_EXPIRY_DAYS) sets when it stops working; None: never. Raises
    ValueError for an unknown role or an expiry out of range. Nothing is committed here.
    """
    if role not in ROLES:
        raise ValueError(f"{role!r} is not one of {', '.join(ROLES)}")
    at = at or now()
    expires_at = None if expires_in_days is None else token_store.expiry_after(expires_in_days, at)
    return token_store.create_token(session, name, role, actor=actor, expires_at=expires_at, at=at)


def find(session: Session, secret: str) -> TokenRecord | None:
    """The token a secret belongs to (live, expired or revoked), or None for an unknown one."""
    return token_store.find_token(session, secret)


def note_use(session: Session, token: TokenRecord, at: datetime) -> bool:
    """Note that a token was used at a moment; True when a row was written (not committed)."""
    return token_store.note_token_use(session, token, at)


def list_all(session: Session) -> list[TokenRecord]:
    """Every token (never its secret), oldest first."""
    return token_store.list_tokens(session)


def live_count(session: Session) -> int:
    """How many tokens work now (neither revoked nor expired)."""
    return token_store.live_token_count(session)


def revoke(session: Session, token_id: int, actor: str) -> bool:
    """Revoke a live token; False when there is no live token with that id (not committed)."""
    return token_store.revoke_token(session, token_id, actor=actor)
