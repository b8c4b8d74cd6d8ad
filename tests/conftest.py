"""Fixtures shared by the whole suite: the default policy and builders of tracker records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hotgate.policy.engine import Context
from hotgate.policy.schema import Policy, load_policy

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The built-in default policy."""
    return load_policy()


@pytest.fixture
def context() -> Context:
    """A day with no release date known."""
    return Context(as_of=AS_OF)


@pytest.fixture(autouse=True)
def _own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test records into its own SQLite file, never a hotgate.db in the working folder."""
    monkeypatch.setenv("HOTGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'hotgate.db'}")
