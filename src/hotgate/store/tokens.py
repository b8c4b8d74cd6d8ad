"""API tokens: made with a role, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hotgate.store.audit import audit
from hotgate.store.records import ROLES, Role, TokenRecord, now
from hotgate.store.tables import api_tokens

PREFIX = "hg_"


def token_hash(secret: str) -> str:
    """The stored form of a token.

    A plain SHA-256 is enough: tokens are 256 random bits, so there is nothing to guess
    that a slow password hash would protect.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def role_allows(role: str, needed: Role) -> bool:
    """Whether a role includes the rights of another (admin > approver > requester > viewer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def create_token(
    session: Session, name: str, role: Role, actor: str = "cli"
) -> tuple[TokenRecord, str]:
    """Make a token; returns its record and the secret, which is never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = (
        session.execute(
            api_tokens.insert()
            .values(name=name, role=role, token_sha256=token_hash(secret), created_at=now())
            .returning(*[c for c in api_tokens.c if c.name != "token_sha256"])
        )
        .mappings()
        .one()
    )
    audit(session, actor, "token.create", f"token:{row['id']}", {"name": name, "role": role})
    return TokenRecord.model_validate(dict(row)), secret


def verify_token(session: Session, secret: str) -> TokenRecord | None:
    """The live token with this secret, or None."""
    row = (
        session.execute(
            select(*[c for c in api_tokens.c if c.name != "token_sha256"]).where(
                api_tokens.c.token_sha256 == token_hash(secret), api_tokens.c.revoked_at.is_(None)
            )
        )
        .mappings()
        .first()
    )
    return None if row is None else TokenRecord.model_validate(dict(row))


def live_token_count(session: Session) -> int:
    """How many tokens are not revoked."""
    query = select(func.count()).select_from(api_tokens).where(api_tokens.c.revoked_at.is_(None))
    return int(session.execute(query).scalar_one())


def list_tokens(session: Session) -> list[TokenRecord]:
    """Every token's public part, oldest first."""
    query = select(*[c for c in api_tokens.c if c.name != "token_sha256"]).order_by(api_tokens.c.id)
    return [TokenRecord.model_validate(dict(row)) for row in session.execute(query).mappings()]


def revoke_token(session: Session, token_id: int, actor: str = "cli") -> bool:
    """Revoke a token; False when no live token has that id."""
    result = session.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if result.rowcount:  # type: ignore[attr-defined]
        audit(session, actor, "token.revoke", f"token:{token_id}")
        return True
    return False
