"""Alembic environment: runs hotgate's migrations on the connection it is given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hotgate.store.engine import make_engine
from hotgate.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Run the migrations online, on the given connection or a new engine."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.attributes["url"])
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()


run()
