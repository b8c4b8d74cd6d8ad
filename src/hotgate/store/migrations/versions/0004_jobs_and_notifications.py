"""Scheduled jobs with their leases and runs, the notifications outbox, and on PostgreSQL the
task queue's own tables (procrastinate's schema, at the version hotgate pins).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add jobs, job_runs and notifications; on PostgreSQL also the queue's tables."""
    op.create_table(
        "jobs",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("every_seconds", sa.Integer),
        sa.Column("due_at", AT),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", AT),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("last_started_at", AT),
        sa.Column("last_finished_at", AT),
        sa.Column("last_status", sa.String(20)),
        sa.Column("last_error", sa.Text),
        sa.Column("progress", sa.Text),
        sa.PrimaryKeyConstraint("name", name="pk_jobs"),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("job", sa.String(300), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("slot", AT),
        sa.Column("started_at", AT, nullable=False),
        sa.Column("finished_at", AT),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
    )
    op.create_index("ix_job_runs_job", "job_runs", ["job"])
    op.create_table(
        "notifications",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("dedupe", sa.String(500), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("subject_key", sa.String(300)),
        sa.Column("recipient", sa.String(200)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", AT),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("sent_at", AT),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedupe", name="uq_notifications_dedupe"),
    )
    op.create_index("ix_notifications_status_next", "notifications", ["status", "next_try_at"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and not _has_queue(bind):
        from procrastinate.schema import SchemaManager

        # the queue's schema as procrastinate ships it; raw DB-API so its % and : stay as written
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(SchemaManager.get_schema())


def _has_queue(bind: sa.Connection) -> bool:
    """Whether the queue's tables are there already (a downgrade keeps them)."""
    return bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def downgrade() -> None:
    """Drop them again (the queue's tables stay: other software may share them)."""
    op.drop_table("notifications")
    op.drop_index("ix_job_runs_job", table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_table("jobs")
