"""Decisions keep their subject's component; queue and dashboard filters get their indexes.

The component lets a hotfix decided from a file (`hotgate triage`, which stores no issue)
count in the report's per-component figures and in the risk's history factor. Decisions made
before keep a null component; readers fall back to the stored issue's, as they did.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add decisions.component and the indexes of the queue's and dashboard's filters."""
    op.add_column("decisions", sa.Column("component", sa.String(200)))
    op.create_index("ix_decisions_latest_state", "decisions", ["latest", "state"])
    op.create_index("ix_decisions_latest_source", "decisions", ["latest", "source"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_decisions_latest_source", table_name="decisions")
    op.drop_index("ix_decisions_latest_state", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("component")
