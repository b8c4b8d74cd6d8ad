"""Fixtures for source tests: the replay server, a sleep that never sleeps, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .replay import Replay, load, serve

NOW = 1_700_000_000.0


@pytest.fixture
def replay() -> Iterator[Callable[[str], Replay]]:
    """Start a replay server for a recording; fail the test if it was asked anything unrecorded."""
    started: list[tuple[Replay, object]] = []

    def start(name: str) -> Replay:
        recording = load(name)
        started.append((recording, serve(recording)))
        return recording

    yield start
    for _recording, server in started:
        server.shutdown()  # type: ignore[attr-defined]
        server.server_close()  # type: ignore[attr-defined]
    misses = [miss for recording, _ in started for miss in recording.misses]
    assert not misses, f"requests with no recording: {misses}"


@pytest.fixture
def sleeps() -> list[float]:
    """Where the connectors' injected sleep records its waits."""
    return []
