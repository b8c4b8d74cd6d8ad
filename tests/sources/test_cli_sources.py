"""`hotgate assess` and `hotgate triage` on live sources, through the replay server."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from typer.testing import CliRunner

from hotgate.cli import app

from .replay import Replay

Start = Callable[[str], Replay]
SECRET = "ghp_cli-secret-value"


def _env(server: Replay) -> dict[str, str]:
    return {
        "HOTGATE_GITHUB_URL": server.base,
        "HOTGATE_GITHUB_TOKEN": SECRET,
        "HOTGATE_GITHUB_PAGE_SIZE": "2",
        "HOTGATE_GITHUB_ATTEMPTS": "1",
    }


def test_triage_reads_a_repository(replay: Start) -> None:
    server = replay("github_since")
    server.interactions[0]["request"] = server.interactions[0]["request"].split("&since=")[0]
    result = CliRunner().invoke(
        app,
        ["triage", "github:acme/shop", "--format", "jsonl", "--as-of", "2024-06-01", "--no-record"],
        env=_env(server),
    )
    assert result.exit_code == 0, result.output
    keys = [orjson.loads(line)["subject"]["key"] for line in result.stdout.splitlines()]
    assert keys == ["github:acme/shop#41", "github:acme/shop#43"]


def test_assess_reads_one_issue(replay: Start) -> None:
    server = replay("github_one")
    result = CliRunner().invoke(
        app,
        [
            "assess",
            "github:acme/shop#41",
            "--format",
            "json",
            "--as-of",
            "2024-06-01",
            "--no-record",
        ],
        env=_env(server),
    )
    assert result.exit_code == 0, result.output
    decision = orjson.loads(result.stdout)
    assert decision["subject"]["key"] == "github:acme/shop#41"
    assert decision["subject"]["url"] == "https://github.com/acme/shop/issues/41"


def test_a_wrong_token_is_one_reason_and_exit_2(replay: Start) -> None:
    server = replay("github_errors")
    server.used.update({1, 2})
    result = CliRunner().invoke(
        app, ["triage", "github:acme/shop", "--no-record"], env=_env(server)
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    # One reason (the console may wrap it to the terminal's width).
    assert result.stderr.count("hotgate:") == 1
    assert "the token was refused (401 Unauthorized)" in result.stderr
    assert SECRET not in result.output
