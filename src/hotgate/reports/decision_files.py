"""Reading decisions for the hotfix report: a decisions file (JSON Lines) or the store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from hotgate.model import TROUBLE_STATES
from hotgate.reports.figures import decisions_frame


class ReportInputError(ValueError):
    """A decisions file that cannot be read at all."""


@dataclass
class ReadTally:
    """Lines read and lines skipped (with the reason for each)."""

    read: int = 0
    skipped: list[str] = field(default_factory=list)


def parse_time(value: Any, where: str) -> datetime | None:
    """A date or time from a record, as an aware UTC time; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not a date or time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def report_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """One decision object (as `triage --format jsonl` writes it, maybe with a review) as a row."""
    subject = record.get("subject")
    if not isinstance(subject, Mapping) or not subject.get("key"):
        raise ValueError("subject.key: missing")
    verdict = record.get("verdict")
    if verdict not in {"hotfix", "wait", "no-hotfix", "needs-info"}:
        raise ValueError(f"verdict: {verdict!r} is not a verdict")
    review = record.get("review") if isinstance(record.get("review"), Mapping) else {}
    assert isinstance(review, Mapping)
    state = review.get("state") or record.get("state")
    final = review.get("final_verdict") or record.get("final_verdict") or verdict
    release = record.get("release") if isinstance(record.get("release"), Mapping) else None
    key = str(subject["key"])
    regression = bool(review.get("regression") or record.get("regression"))
    return {
        "key": key,
        "source": subject.get("source") or (key.split(":", 1)[0] if ":" in key else None),
        "component": subject.get("component") or record.get("component"),
        "verdict": final,
        "state": state,
        "troubled": regression or state in TROUBLE_STATES,
        "release": release.get("name") if release else None,
        "release_date": date.fromisoformat(release["date"])
        if release and release.get("date")
        else None,
        "decided": parse_time(
            review.get("decided_at")
            or record.get("decided_at")
            or record.get("created_at")
            or record.get("as_of"),
            "decided_at/as_of",
        ),
        "reported": parse_time(
            subject.get("reported") or record.get("reported_at"), "subject.reported"
        ),
    }


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with path.open("rb") as handle:
            yield from enumerate(handle, start=1)
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_decisions(path: Path, tally: ReadTally) -> pl.DataFrame:
    """Read a decisions file (JSON Lines, or a JSON array); bad records are skipped and counted."""
    rows: list[dict[str, Any]] = []
    if path.suffix == ".json":
        try:
            records = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ReportInputError(f"{path}: not a JSON array of decisions: {exc}") from None
        numbered = list(enumerate(records if isinstance(records, list) else [records], start=1))
        kind = "record"
    else:
        numbered = [(n, line) for n, line in _lines(path) if line.strip()]
        kind = "line"
    for number, raw in numbered:
        try:
            record = orjson.loads(raw) if isinstance(raw, bytes) else raw
            if not isinstance(record, Mapping):
                raise ValueError("not a decision object")
            rows.append(report_row(record))
            tally.read += 1
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            tally.skipped.append(f"{path} {kind} {number}: {str(exc).splitlines()[0]}")
    return decisions_frame(rows)
