"""The store's tests run on SQLite and on the real PostgreSQL server, each test on empty tables."""

from hotgate.store.fixtures import database_url, engine, migrated, session, sessions

__all__ = ["database_url", "engine", "migrated", "session", "sessions"]
