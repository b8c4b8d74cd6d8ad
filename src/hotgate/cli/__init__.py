"""The hotgate command line: one module per group of commands, registered here."""

from __future__ import annotations

# Each module adds its commands to `app` when imported.
import hotgate.cli.check_diff  # noqa: F401
from hotgate.cli import (  # noqa: F401
    backtest_commands,
    calendar_commands,
    decide,
    jobs_commands,
    policy_commands,
    reader_commands,
    report_commands,
    service_commands,
    sync_commands,
)
from hotgate.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Run the hotgate command line."""
    app()
