"""Decisions keep their subject's component; the queue's order and filters get indexes.

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


# The queue's order: hotfixes first, then by cost of waiting, newest first among equals.
QUEUE_ORDER = ("rank", sa.text("cost_of_waiting DESC"), sa.text("id DESC"))
FINAL_VERDICT = sa.text("coalesce(final_verdict, verdict)")


def upgrade() -> None:
    """Add decisions.component and the indexes of the queue's order and filters.

    With 200,000 assessments a page of the queue sorted every latest decision (0.15 s), a
    verdict filter read the whole table (0.1-0.3 s) and the dashboard's troubled hotfixes
    another 65 ms; with these they read a few index pages.
    """
    op.add_column("decisions", sa.Column("component", sa.String(200)))
    op.create_index("ix_decisions_latest_state", "decisions", ["latest", "state"])
    op.create_index("ix_decisions_latest_source", "decisions", ["latest", "source"])
    op.drop_index("ix_decisions_queue", table_name="decisions")
    op.create_index("ix_decisions_queue_order", "decisions", ["latest", *QUEUE_ORDER])
    op.create_index(
        "ix_decisions_latest_verdict", "decisions", ["latest", FINAL_VERDICT, *QUEUE_ORDER]
    )
    op.create_index("ix_decisions_state_key", "decisions", ["state", "subject_key"])
    op.drop_index("ix_decisions_created_at", table_name="decisions")
    op.create_index(
        "ix_decisions_created_verdict", "decisions", ["created_at", "final_verdict", "verdict"]
    )


def downgrade() -> None:
    """Drop them again, and bring back the old indexes."""
    op.drop_index("ix_decisions_created_verdict", table_name="decisions")
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.drop_index("ix_decisions_state_key", table_name="decisions")
    op.drop_index("ix_decisions_latest_verdict", table_name="decisions")
    op.drop_index("ix_decisions_queue_order", table_name="decisions")
    op.create_index("ix_decisions_queue", "decisions", ["latest", "rank", "cost_of_waiting"])
    op.drop_index("ix_decisions_latest_source", table_name="decisions")
    op.drop_index("ix_decisions_latest_state", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("component")
