"""Recognising and rescuing whole documents: YAML without aliases, JSON with one bad record."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import yaml

from hotgate.sources.base import Skipped, SourceError

T = TypeVar("T")
_YAML_START = re.compile(rb"^(?:---|- |#|[\w\"'][^:\n]{0,200}:(?:\s|$))")
BOM = b"\xef\xbb\xbf"


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader with aliases refused, so a small document cannot expand into a huge one.

    A subject document never needs an alias; eight nested ones ("billion laughs") take
    gigabytes, so any alias is an error naming its line.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose as the safe loader does, but stop at the first alias."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                f"aliases (*{event.anchor}) are not allowed in a subject document",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def safe_yaml(text: str) -> Any:
    """One YAML document read as yaml.safe_load does, with aliases refused (yaml.YAMLError)."""
    return yaml.load(text, Loader=NoAliasLoader)


def looks_like_yaml(first_line: bytes) -> bool:
    """Whether a document whose first line this is reads as YAML (`key: value`, `---`, `- `)."""
    return bool(_YAML_START.match(first_line.lstrip(BOM)))


def looks_like_csv(label: str, head: bytes) -> bool:
    """Whether a file no format claimed is a CSV file: by its name, or a header of names."""
    if label.lower().endswith((".csv", ".tsv")):
        return True
    line = head.removeprefix(BOM).split(b"\n", 1)[0].strip()
    if not line or line[:1] in b"{[<-#" or b":" in line.split(b",", 1)[0]:
        return False
    return line.count(b",") >= 2 and b"\n" in head


def csv_header(head: bytes) -> list[str]:
    """The column names of a CSV file's first line."""
    text = head.removeprefix(BOM).decode("utf-8", errors="replace")
    lines = text.splitlines()
    try:
        return [c.strip() for c in next(csv.reader(lines[:1]))] if lines else []
    except csv.Error:
        return []


def unknown_csv(label: str, head: bytes) -> str:
    """The one-line error for a CSV file of an unknown layout: its columns and how to map them."""
    columns = [c for c in csv_header(head) if c]
    shown = ", ".join(columns[:12]) + (" …" if len(columns) > 12 else "")
    lower = {c.lower(): c for c in columns}
    guess = {
        "title": next(
            (lower[n] for n in ("title", "summary", "subject", "name") if n in lower), None
        ),
        "body": next(
            (lower[n] for n in ("description", "body", "details", "text") if n in lower), None
        ),
        "labels": next((lower[n] for n in ("labels", "tags", "label") if n in lower), None),
    }
    example = ",".join(f"{k}={v}" for k, v in guess.items() if v) or "title=COLUMN,body=COLUMN"
    return (
        f"{label}: a CSV file in no format hotgate knows (columns: {shown}); "
        f"map its columns with --columns {example}"
    )


def invalid_text_at(value: Any, place: str = "") -> str | None:
    """Where a decoded JSON value holds bytes that were not UTF-8 (lone surrogates), or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return place or "record"
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            found = invalid_text_at(item, f"{place}.{key}" if place else str(key))
            if found:
                return found
    if isinstance(value, list):
        for number, item in enumerate(value):
            found = invalid_text_at(item, f"{place}[{number}]")
            if found:
                return found
    return None


def json_problem(line: bytes, where: str, message: str) -> Skipped:
    """Why a JSON line cannot be read: a field whose bytes are not UTF-8, or its syntax."""
    try:
        record = json.loads(line.decode("utf-8", errors="surrogateescape"))
    except ValueError:
        return Skipped(where, f"not valid JSON ({message.split(':')[0]})")
    place = invalid_text_at(record) or "record"
    return Skipped(where, f"field {place!r} is not valid UTF-8")


def salvaged(
    text: bytes, label: str, message: str, read: Callable[[Any, str], T], blank: int = 0
) -> Iterator[T | Skipped]:
    """The records of a JSON array that orjson refused, each read alone.

    A record holding bytes that are not UTF-8 is skipped and named; a syntax error (a truncated
    file) ends the array there, naming the record it is in, after the records before it are read.
    Any other document is refused whole, with a SourceError naming the file. blank: the blank
    lines of the file before text, so that a line is named by its number in the file.
    """
    decoded = text.removeprefix(BOM).decode("utf-8", errors="surrogateescape")
    body = decoded.rstrip()
    start = _skip_space(body, 0)  # kept, so that a line is named by its number in the file
    if body.startswith("[", start):
        return _elements(body, start + 1, label, read, blank)
    try:
        document = json.loads(decoded)
    except ValueError:
        raise SourceError(f"{label}: not valid JSON: {message}") from None
    place = invalid_text_at(document) or "document"
    raise SourceError(f"{label}: field {place!r} is not valid UTF-8")


def _elements(
    body: str, position: int, label: str, read: Callable[[Any, str], T], blank: int
) -> Iterator[T | Skipped]:
    decoder = json.JSONDecoder()
    number = 0
    while True:
        position = _skip_space(body, position)
        if position < len(body) and body[position] == "]":
            yield from _after_array(body, position + 1, label, blank)
            return
        number += 1
        where = f"{label} record {number}"
        try:
            record, position = decoder.raw_decode(body, position)
        except json.JSONDecodeError as exc:
            # cut short: the error is at the very end, or the array never closes
            truncated = exc.pos >= len(body) - 1 or not body.endswith("]")
            reason = "the file ends inside it" if truncated else exc.msg
            yield Skipped(where, f"not valid JSON ({reason})")
            return
        place = invalid_text_at(record)
        yield (
            Skipped(where, f"field {place!r} is not valid UTF-8") if place else read(record, where)
        )
        position = _skip_space(body, position)
        if position < len(body) and body[position] == ",":
            position += 1
        elif position >= len(body) or body[position] != "]":
            yield Skipped(label, "not valid JSON (the file ends before its array closes)")
            return


def _after_array(body: str, end: int, label: str, blank: int) -> Iterator[Skipped]:
    """Nothing, or one Skipped entry naming the line where text goes on after the array closed
    (that text is not read: the file is neither one JSON document nor JSON Lines)."""
    rest = _skip_space(body, end)
    if rest < len(body):
        line = blank + body.count("\n", 0, rest) + 1
        yield Skipped(f"{label} line {line}", "not read: text goes on after the JSON array ends")


def _skip_space(body: str, position: int) -> int:
    while position < len(body) and body[position] in " \t\r\n":
        position += 1
    return position
