"""SQLite keeps a decision's evidence packed (Zstandard), so releases before this one stop.

From this revision on, hotgate packs each decision's evidence on SQLite (`store/packing.py`):
5.6 kB of JSON becomes about 2.0 kB. A release before this revision cannot read a packed row
(its pages and API answer 500 for it), so the schema's revision moves on although no table
changes: such a release then refuses the file ("Can't locate revision identified by '0006'")
instead of failing row by row. Rows recorded before stay text and read as they did.
PostgreSQL keeps text and is not touched.

Downgrading unpacks every packed row back to JSON text, so an older release can read the file
again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotgate.store.packing import unpacked

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 1_000  # rows unpacked per UPDATE round: bounded memory on a store of millions


def upgrade() -> None:
    """Nothing to change in the schema: new rows are packed as they are written."""


def downgrade() -> None:
    """On SQLite, every packed evidence back to JSON text, a thousand rows at a time."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    select = sa.text(
        "SELECT id, evidence FROM decisions WHERE typeof(evidence) = 'blob' AND id > :after "
        "ORDER BY id LIMIT :batch"
    )
    update = sa.text("UPDATE decisions SET evidence = :evidence WHERE id = :id")
    after = 0
    while rows := bind.execute(select, {"after": after, "batch": BATCH}).all():
        bind.execute(
            update, [{"id": row.id, "evidence": unpacked(row.evidence).decode()} for row in rows]
        )
        after = rows[-1].id
