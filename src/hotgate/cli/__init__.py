"""The hotgate command line: one module per group of commands, registered here."""

from __future__ import annotations

import hotgate.cli.check_diff  # noqa: F401 -- registers check-diff
from hotgate.cli import (  # noqa: F401
    backtest_commands,
    calendar_commands,
    decide,
    policy_commands,
    report_commands,
    service_commands,
    sync_commands,
)
from hotgate.cli.app import app

__all__ = ["app", "main"]

# Each module adds its commands to `app` when imported.
_COMMAND_MODULES = (decide, policy_commands, service_commands, sync_commands)


def main() -> None:
    """Run the hotgate command line."""
    app()
