"""Fixtures shared by the whole suite: the default policy and builders of tracker records."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

# pytest-xdist's workers run with COLUMNS=80 set; the command line honours COLUMNS when its output
# is piped, and the tests read its piped output at the default width (160).
os.environ.pop("COLUMNS", None)

from builders import SHARED_DATA
from hotgate.api.testing import CHROMIUM_ARGS, chromium_path, chromium_problem
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy, load_policy

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


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A `realdata` test needs ../shared/data: skipped with the reason where it is not beside
    the project (a newcomer's clone), an error under CI, where it must run."""
    if item.get_closest_marker("realdata") is None or SHARED_DATA.is_dir():
        return
    if _in_ci():
        pytest.fail(f"{SHARED_DATA}: the recorded data is missing; CI runs every realdata test")
    pytest.skip(f"{SHARED_DATA} is not here: the recorded data sits beside the project")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Without Chromium the test is skipped with a one-line reason; under CI it fails instead.
    """
    problem = chromium_problem()
    if problem is not None:
        if _in_ci():
            pytest.fail(f"{problem}; CI needs the browser tests")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    """Under CI a browser or PostgreSQL test may not skip, whatever skipped it: it fails."""
    report = yield
    if report.skipped and _in_ci():
        needs = {mark.name for mark in item.iter_markers()} & {"browser", "postgres"}
        if needs:
            report.outcome = "failed"
            what = "/".join(sorted(needs))
            report.longrepr = f"CI needs the {what} tests, but: {report.longrepr}"
    return report
