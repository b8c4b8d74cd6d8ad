"""The release calendar a long-running server decides with, re-read at most once an hour."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date

from hotgate.calendars import calendar_for
from hotgate.policy.calendar import Calendar
from hotgate.policy.schema import Policy

FRESH_SECONDS = 3600.0
DAYS_KEPT = 32


class ServedCalendar:
    """The policy's calendar joined with the configured files or URLs, kept per day asked.

    Files and URLs are read again after an hour, so an edited calendar is picked up without a
    restart, and a request never waits on a calendar URL more than once an hour.
    """

    def __init__(self, policy: Policy, specs: Sequence[str]) -> None:
        self.policy = policy
        self.specs = list(specs)
        self._kept: dict[date, tuple[float, Calendar]] = {}
        self._lock = threading.Lock()

    def on(self, day: date) -> Calendar:
        """The calendar as seen from a day; a CalendarError names a file that cannot be read."""
        now = time.monotonic()
        with self._lock:
            kept = self._kept.get(day)
        if kept is not None and now - kept[0] < FRESH_SECONDS:
            return kept[1]
        calendar = calendar_for(self.policy, self.specs, day)
        with self._lock:
            if len(self._kept) >= DAYS_KEPT:
                self._kept.pop(min(self._kept, key=lambda known: self._kept[known][0]))
            self._kept[day] = (now, calendar)
        return calendar
