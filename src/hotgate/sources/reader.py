"""Reading subjects from a file or standard input, detecting the format of every record."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson
import yaml

from hotgate.model import ChangeRequest, Issue
from hotgate.sources.base import Ignored, Origin, Skipped, SourceError, detect, formats

Item = Issue | ChangeRequest | Skipped | Ignored
# A reader for a whole file kind (CSV, XML ...): (sniff(path, head), read(path, origin)).
FileReader = tuple[Callable[[str, bytes], bool], Callable[[str, Origin], Iterator[Item]]]
FILE_READERS: list[FileReader] = []


def _label(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from None


def read_items(path: str, origin: Origin | None = None) -> Iterator[Item]:
    """Every record of a file as an Issue, or as a Skipped or Ignored entry saying why not."""
    origin = origin or Origin()
    label = _label(path)
    stream = _open(path)
    try:
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
        for sniff, read in FILE_READERS:
            if path != "-" and sniff(path, head):
                yield from read(path, origin)
                return
        yield from _read_documents(stream, label, path, origin)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _read_documents(stream: IO[bytes], label: str, path: str, origin: Origin) -> Iterator[Item]:
    first = _first_line(stream)
    if first is None:
        raise SourceError(f"{label}: is empty")
    if path.endswith((".yaml", ".yml")):
        yield from _from_yaml(first + stream.read(), label, origin)
        return
    stripped = first.lstrip()
    if not stripped.startswith((b"{", b"[")):
        raise SourceError(
            f"{label}: unknown format: expected JSON, JSON Lines or YAML "
            f"(starts with {stripped[:20]!r})"
        )
    rest = stream.readline()
    if stripped.startswith(b"{") and _is_json(first) and rest.strip().startswith(b"{"):
        yield from _from_json_lines(first, rest, stream, label, origin)
        return
    text = first + rest + stream.read()
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{label}: not valid JSON: {exc}") from None
    yield from _from_document(document, label, origin)


def _first_line(stream: IO[bytes]) -> bytes | None:
    for line in stream:
        if line.strip():
            return line
    return None


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _from_json_lines(
    first: bytes, second: bytes, stream: Iterable[bytes], label: str, origin: Origin
) -> Iterator[Item]:
    lines = iter([first, second])
    number = 0
    for source in (lines, stream):
        for line in source:
            number += 1
            if not line.strip():
                continue
            where = f"{label} line {number}"
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield Skipped(where, f"not valid JSON ({str(exc).split(':')[0]})")
                continue
            yield from _from_document(record, where, origin, single=True)


def _from_yaml(text: bytes, label: str, origin: Origin) -> Iterator[Item]:
    try:
        documents = list(yaml.safe_load_all(text.decode("utf-8")))
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label}: not valid UTF-8 at byte {exc.start}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SourceError(f"{label}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    for document in documents:
        if document is not None:
            yield from _from_document(document, label, origin)


def _records(document: Any) -> Iterable[Any]:
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        for fmt in formats():
            found = fmt.records(document)
            if found is not None:
                return found
    return [document]


def _from_document(document: Any, label: str, origin: Origin, single: bool = False) -> Iterator[Item]:
    for index, record in enumerate(_records(document), start=1):
        where = label if single else f"{label} record {index}"
        yield read_record(record, where, origin)


def read_record(record: Any, where: str, origin: Origin) -> Item:
    """One record into an Issue, or a Skipped entry naming the record and the problem."""
    if not isinstance(record, Mapping):
        return Skipped(where, f"expected an object, got {type(record).__name__}")
    fmt = detect(record)
    if fmt is None:
        if "title" not in record and "summary" not in record:
            return Skipped(where, "missing title: not an issue in any known format")
        known = ", ".join(f.name for f in formats())
        return Skipped(where, f"not an issue in any known format ({known})")
    try:
        return fmt.to_issue(record, origin)
    except SourceError as exc:
        return Skipped(where, str(exc).removeprefix("record "))
    except (KeyError, TypeError, ValueError) as exc:
        return Skipped(where, f"{fmt.name} record is malformed: {exc!r}")
