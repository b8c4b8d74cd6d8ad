"""The store: decisions on record, with their reviews, in SQLite or PostgreSQL.

Repository functions take a SQLAlchemy `Session` and never commit: the caller owns the
transaction, so a batch is written whole or not at all.
"""

from hotgate.store.audit import audit, audit_entries
from hotgate.store.decisions import (
    answers_for,
    get_decision,
    history,
    latest_decisions,
    list_decisions,
    record_rows,
)
from hotgate.store.engine import (
    DATABASE_URL_ENV,
    default_database_url,
    is_current,
    make_engine,
    session_factory,
    upgrade,
)
from hotgate.store.recording import decision_row, frame_rows, record_decisions, record_frames
from hotgate.store.records import (
    ACTIONS,
    ROLES,
    STATES,
    Action,
    AuditEntry,
    Counts,
    DecisionRecord,
    DecisionSummary,
    ReviewRecord,
    Role,
    State,
    TokenRecord,
)
from hotgate.store.reports import troubled_hotfixes_by_component
from hotgate.store.reviews import (
    DecisionNotFoundError,
    ReviewConflictError,
    ReviewError,
    ReviewInvalidError,
    next_actions,
    review,
)
from hotgate.store.subjects import (
    get_change_request,
    get_issue,
    list_issues,
    list_releases,
    upsert_change_requests,
    upsert_issues,
    upsert_releases,
)
from hotgate.store.sync import get_cursor, set_cursor
from hotgate.store.tokens import (
    MAX_EXPIRY_DAYS,
    create_token,
    expiry_after,
    find_token,
    list_tokens,
    live_token_count,
    note_token_use,
    revoke_token,
    role_allows,
    verify_token,
)

__all__ = [
    "ACTIONS",
    "DATABASE_URL_ENV",
    "MAX_EXPIRY_DAYS",
    "ROLES",
    "STATES",
    "Action",
    "AuditEntry",
    "Counts",
    "DecisionNotFoundError",
    "DecisionRecord",
    "DecisionSummary",
    "ReviewConflictError",
    "ReviewError",
    "ReviewInvalidError",
    "ReviewRecord",
    "Role",
    "State",
    "TokenRecord",
    "answers_for",
    "audit",
    "audit_entries",
    "create_token",
    "decision_row",
    "default_database_url",
    "expiry_after",
    "find_token",
    "frame_rows",
    "get_change_request",
    "get_cursor",
    "get_decision",
    "get_issue",
    "history",
    "is_current",
    "latest_decisions",
    "list_decisions",
    "list_issues",
    "list_releases",
    "list_tokens",
    "live_token_count",
    "make_engine",
    "next_actions",
    "note_token_use",
    "record_decisions",
    "record_frames",
    "record_rows",
    "review",
    "revoke_token",
    "role_allows",
    "session_factory",
    "set_cursor",
    "troubled_hotfixes_by_component",
    "upgrade",
    "upsert_change_requests",
    "upsert_issues",
    "upsert_releases",
    "verify_token",
]
