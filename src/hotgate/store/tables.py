"""The database tables: issues, decisions, reviews, change requests, releases, tokens, audit."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect

from hotgate.store.packing import as_text, packed, unpacked

# 64-bit ids on PostgreSQL (decisions pile up: every assessment is kept); on SQLite every
# INTEGER PRIMARY KEY is already 64-bit and must stay INTEGER to be the rowid
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class JSONText(TypeDecorator[Any]):
    """JSON kept as text; accepts text already encoded so bulk inserts skip a second encoding."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, _dialect: Dialect) -> str | None:
        """Encode a value for the database (text passes through as already-encoded JSON)."""
        if value is None or isinstance(value, str):
            return value
        return orjson.dumps(value).decode()

    def process_result_value(self, value: Any, _dialect: Dialect) -> Any:
        """Decode the stored JSON text."""
        return None if value is None else orjson.loads(value)


class PackedJSON(JSONText):
    """JSONText that SQLite keeps packed (a Zstandard BLOB, store/packing.py), for a
    decision's evidence; PostgreSQL keeps text. Also accepts bytes already packed (a bulk
    run's builders pack them) and reads back both BLOBs and text (rows recorded before)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Pack for SQLite (bytes pass as already packed); text elsewhere."""
        if value is None:
            return None
        if dialect.name != "sqlite":
            return (
                as_text(value)
                if isinstance(value, bytes)
                else super().process_bind_param(value, dialect)
            )
        if isinstance(value, bytes):
            return value
        return packed(value.encode() if isinstance(value, str) else orjson.dumps(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decode the stored JSON, unpacking a BLOB first."""
        if isinstance(value, bytes):
            return orjson.loads(unpacked(value))
        return super().process_result_value(value, dialect)


def _at(name: str = "created_at") -> Column[Any]:
    return Column(name, DateTime(timezone=True), nullable=False)


issues = Table(
    "issues",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("source", String(50), nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text),
    Column("status", String(100)),
    Column("document", JSONText, nullable=False),
    _at("first_seen"),
    _at("updated_at"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("subject_key", String(300), nullable=False),
    Column("subject_kind", String(10), nullable=False),
    Column("source", String(50), nullable=False),
    Column("title", Text, nullable=False),
    Column("url", Text),
    Column("component", String(200)),
    Column("verdict", String(20), nullable=False),
    Column("override", String(100)),
    # the verdict of the previous assessment of the same key, to spot a changed verdict
    Column("previous_verdict", String(20)),
    Column("verdict_changed", Boolean, nullable=False),
    Column("latest", Boolean, nullable=False),
    Column("state", String(20), nullable=False),
    Column("final_verdict", String(20)),
    Column("as_of", Date, nullable=False),
    Column("release_name", String(200)),
    Column("release_date", Date),
    Column("policy_name", String(200), nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("cost_of_waiting", Float, nullable=False),
    Column("risk_of_hotfix", Float, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("evidence", PackedJSON, nullable=False),
    # bumped by every review: the optimistic-concurrency check
    Column("version", Integer, nullable=False),
    _at(),
    Column("updated_at", DateTime(timezone=True)),
    # who gave the answers a decision rests on, and their role then (null: no answers, or
    # given on the command line); the fix lane asks an approver to approve such a hotfix
    Column("answered_by", String(200)),
    Column("answered_role", String(20)),
    Index("ix_decisions_key_latest", "subject_key", "latest"),
    # the dashboard's decisions per day, read from the index alone
    Index("ix_decisions_created_verdict", "created_at", "final_verdict", "verdict"),
    Index("ix_decisions_latest_state", "latest", "state"),
    # the subjects whose hotfix was rolled back or regressed (any assessment, not only latest)
    Index("ix_decisions_state_key", "state", "subject_key"),
    Index("ix_decisions_latest_source", "latest", "source"),
)
# The queue's order, so a page of it is read from the index without sorting every decision;
# and the same per verdict after review, for the queue's verdict filter and its counts.
QUEUE_ORDER = (
    decisions.c.rank,
    decisions.c.cost_of_waiting.desc(),
    decisions.c.id.desc(),
)
FINAL_VERDICT = func.coalesce(decisions.c.final_verdict, decisions.c.verdict)
Index("ix_decisions_queue_order", decisions.c.latest, *QUEUE_ORDER)
Index("ix_decisions_latest_verdict", decisions.c.latest, FINAL_VERDICT, *QUEUE_ORDER)

reviews = Table(
    "reviews",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("decision_id", BigId, ForeignKey("decisions.id"), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("from_state", String(20), nullable=False),
    Column("to_state", String(20), nullable=False),
    Column("verdict", String(20)),
    Column("reason", Text),
    Column("actor", String(200), nullable=False),
    _at(),
)

change_requests = Table(
    "change_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("requested_by", String(200)),
    Column("document", JSONText, nullable=False),
    _at(),
    _at("updated_at"),
)

releases = Table(
    "releases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("date", Date, nullable=False),
    Column("freeze", Date),
    Column("kind", String(20), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    _at(),
    # written at most once a minute per token, so a busy API does not write on every request
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    # null: the token never expires
    Column("expires_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target", String(300), nullable=False, index=True),
    Column("details", JSONText, nullable=False),
)

# Webhook deliveries already recorded: a replay (the same delivery id, or the same signed
# body) is refused instead of making a second assessment.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("tracker", String(20), nullable=False),
    Column("delivery_id", String(200)),
    Column("body_sha256", String(64), nullable=False),
    Column("subject_key", String(300)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tracker", "delivery_id"),
    UniqueConstraint("tracker", "body_sha256"),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("source", String(300), primary_key=True),
    Column("cursor", Text),
    _at("updated_at"),
)

# Scheduled work: one row per job (its lease, its next slot, its last run), one per run.
jobs = Table(
    "jobs",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("every_seconds", Integer),
    # the next slot the job is due at; a run that fails moves it by the backoff only
    Column("due_at", DateTime(timezone=True)),
    # who runs it now and until when; a killed runner's lease runs out and another takes it
    Column("lease_owner", String(200)),
    Column("lease_until", DateTime(timezone=True)),
    Column("state", String(20), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("runs", Integer, nullable=False),
    Column("last_started_at", DateTime(timezone=True)),
    Column("last_finished_at", DateTime(timezone=True)),
    Column("last_status", String(20)),
    Column("last_error", Text),
    Column("progress", JSONText),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("job", String(300), nullable=False, index=True),
    Column("owner", String(200), nullable=False),
    Column("slot", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False),
    Column("detail", JSONText),
)

# The outbox of notifications: one row per event and route; the route's address is never kept
notifications = Table(
    "notifications",
    metadata,
    Column("id", BigId, primary_key=True),
    # event, its subject and the route: a second sighting of the same event adds nothing
    Column("dedupe", String(500), nullable=False, unique=True),
    Column("event", String(40), nullable=False),
    Column("route", String(200), nullable=False),
    Column("subject_key", String(300)),
    Column("recipient", String(200)),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    # pending (to send), held (for the route's daily digest), sent, failed (gave up)
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_try_at", DateTime(timezone=True)),
    Column("last_error", Text),
    _at(),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_notifications_status_next", "status", "next_try_at"),
)
