"""The release calendar a long-running server decides with, re-read at most once an hour."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import date

from hotgate.calendars import calendar_for, read_text
from hotgate.policy.deciding.calendar import Calendar
from hotgate.policy.definition.schema import Policy

FRESH_SECONDS = 3600.0
DAYS_KEPT = 32


class ServedCalendar:
    """The policy's calendar joined with the configured files or URLs, kept per day asked.

    Each file or URL is fetched again after an hour, so an edited calendar is picked up
    without a restart, and a request waits on a calendar URL at most once an hour, whatever
    days are asked. A day's calendar is kept as long as the texts it was read from.
    """

    def __init__(
        self, policy: Policy, specs: Sequence[str], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.policy = policy
        self.specs = list(specs)
        self.clock = clock
        self._texts: dict[str, tuple[float, str]] = {}
        self._days: dict[date, tuple[float, Calendar]] = {}
        self._lock = threading.Lock()

    def on(self, day: date) -> Calendar:
        """The calendar as seen from a day; a CalendarError names a file that cannot be read."""
        now = self.clock()
        with self._lock:
            kept = self._days.get(day)
        if kept is not None and now - kept[0] < FRESH_SECONDS:
            return kept[1]
        calendar = calendar_for(self.policy, self.specs, day, self._text)
        with self._lock:
            # as old as the oldest text it was read from, so it goes stale with that text
            read_at = min((self._texts[spec][0] for spec in self.specs), default=now)
            if len(self._days) >= DAYS_KEPT:
                self._days.pop(min(self._days, key=lambda known: self._days[known][0]))
            self._days[day] = (read_at, calendar)
        return calendar

    def _text(self, spec: str) -> str:
        now = self.clock()
        with self._lock:
            kept = self._texts.get(spec)
        if kept is not None and now - kept[0] < FRESH_SECONDS:
            return kept[1]
        text = read_text(spec)
        with self._lock:
            self._texts[spec] = (now, text)
        return text
