"""The service functions run on a real store: SQLite, and PostgreSQL when the server is up."""

from hotgate.store.fixtures import database_url, engine, migrated, session, sessions

__all__ = ["database_url", "engine", "migrated", "session", "sessions"]
