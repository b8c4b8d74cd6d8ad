"""Reading tracker CSV exports one row at a time, with repeated columns and tracker dates."""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

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
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    try:
        return [name.strip() for name in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


def rows(path: str) -> Iterator[tuple[int, Row]]:
    """Each data row as (line number, column name -> values), streamed from disk.

    Jira repeats a column for every value of a multi-valued field (Labels, Component/s,
    Comment), so every column maps to the list of its non-empty values.
    """
    try:
        handle = Path(path).open(encoding="utf-8-sig", newline="", errors="replace")  # noqa: SIM115
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise SourceError(f"{path}: is empty") from None
        except csv.Error as exc:
            raise SourceError(f"{path} line 1: not valid CSV: {exc}") from None
        line = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise SourceError(f"{path} line {reader.line_num}: not valid CSV: {exc}") from None
            row: Row = {}
            for name, value in zip(header, values, strict=False):
                row.setdefault(name, [])
                if value.strip():
                    row[name].append(value)
            if row and any(row.values()):
                yield line + 1, row
            line = reader.line_num


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
