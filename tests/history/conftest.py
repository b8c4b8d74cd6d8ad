"""Learning from the store runs on SQLite and on the real PostgreSQL server, as the store's do."""

from hotgate.store.fixtures import database_url, engine, migrated, session, sessions

__all__ = ["database_url", "engine", "migrated", "session", "sessions"]
