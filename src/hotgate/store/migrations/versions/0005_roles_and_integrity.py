"""Who answered a decision's questions, and the webhook deliveries already received.

A person's answers win over the evidence, so a decision resting on them keeps who gave them
and with which role (`answered_by`, `answered_role`): the fix lane lets such a hotfix through
only once an approver has approved it, unless an approver gave the answers. Webhook deliveries
are kept by their tracker's delivery id and the digest of their signed body, so a replayed
delivery is refused instead of making a second assessment.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add decisions.answered_by and answered_role, and the webhook_deliveries table."""
    op.add_column("decisions", sa.Column("answered_by", sa.String(200)))
    op.add_column("decisions", sa.Column("answered_role", sa.String(20)))
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("tracker", sa.String(20), nullable=False),
        sa.Column("delivery_id", sa.String(200)),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("subject_key", sa.String(300)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(
            "tracker", "delivery_id", name="uq_webhook_deliveries_tracker_delivery_id"
        ),
        sa.UniqueConstraint(
            "tracker", "body_sha256", name="uq_webhook_deliveries_tracker_body_sha256"
        ),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("webhook_deliveries")
    # a plain DROP COLUMN (SQLite 3.35+): batch mode would copy the table and lose the
    # expression index of migration 0003
    op.drop_column("decisions", "answered_role")
    op.drop_column("decisions", "answered_by")
