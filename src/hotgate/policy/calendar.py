"""Releases, freezes and the days until them."""

from __future__ import annotations

from datetime import date

from hotgate.policy.engine import Context, release_on


class CalendarError(ValueError):
    """Release dates that cannot be used; the message names the option or file."""


def context_from_options(as_of: date, next_release: date | None) -> Context:
    """The decision context from an as-of day and an optional next release date."""
    if next_release is None:
        return Context(as_of=as_of)
    if next_release < as_of:
        raise CalendarError(
            f"--next-release {next_release.isoformat()} is before --as-of {as_of.isoformat()}"
        )
    return Context(as_of=as_of, release=release_on("next release", next_release, as_of))
