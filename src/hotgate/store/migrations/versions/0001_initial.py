"""The first schema: issues, decisions, reviews, change requests, releases, tokens, audit, sync.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotgate.store.tables import BigId, JSONText

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AT = sa.DateTime(timezone=True)

SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
POSTGRES_APPEND_ONLY = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


def upgrade() -> None:
    """Create every table, and make the audit log refuse updates and deletes."""
    op.create_table(
        "issues",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("status", sa.String(100)),
        sa.Column("document", JSONText, nullable=False),
        sa.Column("first_seen", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_issues"),
        sa.UniqueConstraint("key", name="uq_issues_key"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("subject_key", sa.String(300), nullable=False),
        sa.Column("subject_kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(50), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("override", sa.String(100)),
        sa.Column("previous_verdict", sa.String(20)),
        sa.Column("verdict_changed", sa.Boolean, nullable=False),
        sa.Column("latest", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("final_verdict", sa.String(20)),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("release_name", sa.String(200)),
        sa.Column("release_date", sa.Date),
        sa.Column("policy_name", sa.String(200), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("cost_of_waiting", sa.Float, nullable=False),
        sa.Column("risk_of_hotfix", sa.Float, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("evidence", JSONText, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_key_latest", "decisions", ["subject_key", "latest"])
    op.create_index("ix_decisions_queue", "decisions", ["latest", "rank", "cost_of_waiting"])
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.create_table(
        "reviews",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("decision_id", BigId, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(20)),
        sa.Column("reason", sa.Text),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_reviews_decision_id_decisions"
        ),
    )
    op.create_index("ix_reviews_decision_id", "reviews", ["decision_id"])
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("document", JSONText, nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_requests"),
        sa.UniqueConstraint("key", name="uq_change_requests_key"),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("freeze", sa.Date),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_releases"),
        sa.UniqueConstraint("name", name="uq_releases_name"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("last_used_at", AT),
        sa.Column("revoked_at", AT),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_api_tokens_token_sha256"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("at", AT, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("details", JSONText, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_table(
        "sync_state",
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("cursor", sa.Text),
        sa.Column("updated_at", AT, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_sync_state"),
    )
    statements = (
        POSTGRES_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything this revision made."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "sync_state",
        "audit_log",
        "api_tokens",
        "releases",
        "change_requests",
        "reviews",
        "decisions",
        "issues",
    ):
        op.drop_table(table)
