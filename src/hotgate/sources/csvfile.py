"""Reading tracker CSV exports one row at a time, with repeated columns and tracker dates."""

from __future__ import annotations

import csv
import re
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO

from hotgate.sources.base import SourceError, parse_time

# Descriptions of real bugs can be far longer than the csv module's 128 KiB default.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

# Jira writes dates in the site's display format: `30/Sep/21 17:20` or `30/Sep/21 5:20 PM`.
_JIRA_DATE = re.compile(
    r"^(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}

Row = dict[str, list[str]]


def header_of(head: bytes) -> list[str]:
    """The column names on the first line of a CSV file's first bytes, or [] if none."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    try:
        return [name.strip() for name in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be read, and why; the rows after it are still read."""

    reason: str


class _Lines:
    """A file's lines for the csv module, counted, with the current row's lines kept.

    When a row turns out bad, the lines after its first one are given back, so a quote that
    never closes costs one row, not every row after it.
    """

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.count = 0
        self.kept: list[str] = []
        self.back: deque[str] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.back.popleft() if self.back else next(self.handle)
        self.count += 1
        self.kept.append(line)
        return line

    def row_starts(self) -> int:
        """Forget the last row's lines; the number of the next row's first line."""
        self.kept = []
        return self.count + 1

    def give_back(self) -> None:
        """Read again every line of the bad row but its first."""
        again = self.kept[1:]
        self.count -= len(again)
        self.back.extendleft(reversed(again))
        self.kept = []


def rows(path: str, label: str | None = None) -> Iterator[tuple[int, Row | BadRow]]:
    """Each data row as (line number, column name -> values), streamed from disk.

    Jira repeats a column for every value of a multi-valued field (Labels, Component/s,
    Comment), so every column maps to the list of its non-empty values. A row that is not
    valid CSV or not valid UTF-8 comes as a BadRow naming its line and the problem.
    """
    label = label or path
    try:
        handle = Path(path).open(encoding="utf-8-sig", newline="", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        raise SourceError(f"{label}: cannot open: {exc.strerror or exc}") from None
    with handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, strict=True)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise SourceError(f"{label}: is empty") from None
        except csv.Error as exc:
            raise SourceError(f"{label} line 1: not valid CSV: {exc}") from None
        if bad := _not_utf8(header, header):
            raise SourceError(f"{label} line 1: {bad}")
        while True:
            start = lines.row_starts()
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, BadRow(_csv_problem(str(exc), start))
                lines.give_back()
                reader = csv.reader(lines, strict=True)
                continue
            if bad := _not_utf8(header, values):
                yield start, BadRow(bad)
                continue
            row: Row = {}
            for name, value in zip(header, values, strict=False):
                row.setdefault(name, [])
                if value.strip():
                    row[name].append(value)
            if row and any(row.values()):
                yield start, row


def _csv_problem(message: str, start: int) -> str:
    if "unexpected end of data" in message or "EOF" in message:
        return (
            f"a quoted value opens on line {start} and never closes "
            "(the rows after it are read on their own)"
        )
    return f"not valid CSV: {message}"


def _not_utf8(header: list[str], values: list[str]) -> str | None:
    for number, value in enumerate(values):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            name = header[number] if number < len(header) else f"column {number + 1}"
            return f"column {name!r} is not valid UTF-8"
    return None


def first(row: Row, *columns: str) -> str | None:
    """The first non-empty value of the first of these columns that has one."""
    for column in columns:
        values = row.get(column)
        if values:
            return values[0].strip()
    return None


def every(row: Row, *columns: str) -> list[str]:
    """All values of these columns, split on commas when one cell holds several."""
    out: list[str] = []
    for column in columns:
        for value in row.get(column, []):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


@lru_cache(maxsize=1 << 16)
def export_time(value: str | None) -> datetime | None:
    """A date as a tracker's CSV export writes it (`30/Sep/21 17:20`, ISO 8601 ...)."""
    if not value:
        return None
    text = value.strip()
    match = _JIRA_DATE.match(text)
    if match:
        day, month, year, hour, minute, second, half = match.groups()
        number = _MONTHS.get(month.lower())
        clock = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
        if number is None or clock > 23:
            raise ValueError(f"date {text!r} is in no known format")
        full_year = int(year) + 2000 if len(year) == 2 else int(year)
        moment = (full_year, number, int(day), clock, int(minute), int(second or 0))
        try:
            return datetime(*moment, tzinfo=UTC)
        except ValueError:
            raise ValueError(f"date {text!r} is not a real day") from None
    try:
        found = parse_time(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise ValueError(f"date {text!r} is in no known format") from None
    # Exports do not say the site's zone; read them as UTC.
    return found.replace(tzinfo=UTC) if found and found.tzinfo is None else found
