"""The test set-up itself: a fresh machine skips what it cannot run, CI may not skip it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
CONFTEST = Path(__file__).with_name("conftest.py").read_text()
NEEDS_CHROMIUM = """
import pytest

@pytest.mark.browser
def test_in_chromium(browser):
    assert browser is not None
"""
NEEDS_POSTGRES = """
import pytest

@pytest.mark.postgres
def test_on_postgres():
    pytest.skip("PostgreSQL is unreachable: connection refused")
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A copy of the suite's conftest with a browser test and a PostgreSQL test beside it."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    browser: b\n    postgres: p\n")
    pytester.makepyfile(test_needs_chromium=NEEDS_CHROMIUM, test_needs_postgres=NEEDS_POSTGRES)
    monkeypatch.setenv("HOTGATE_TEST_CHROMIUM", str(pytester.path / "no-chromium"))
    return pytester


def test_a_machine_without_chromium_skips_with_one_line(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = suite.runpytest("-rs", "-p", "no:randomly")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED * Chromium is not installed at */no-chromium (apt-get install -y chromium)",
            "SKIPPED * PostgreSQL is unreachable: connection refused",
        ]
    )


@pytest.mark.parametrize("ci", ["true", "1"])
def test_ci_turns_those_skips_into_failures(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    result = suite.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*Chromium is not installed*CI needs the browser tests*"])
    result.stdout.fnmatch_lines(["*CI needs the postgres tests, but*PostgreSQL is unreachable*"])
