"""Tokens may expire: api_tokens.expires_at (null for every token made before, so none expires).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the optional expiry of a token."""
    # a nullable column: SQLite and PostgreSQL both add it in place, no table copy
    op.add_column("api_tokens", sa.Column("expires_at", AT))


def downgrade() -> None:
    """Drop the expiry again."""
    # SQLite before 3.35 cannot drop a column: the batch copies the table when it must
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
