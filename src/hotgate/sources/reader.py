"""Reading subjects from a file or standard input, detecting the format of every record."""

from __future__ import annotations

import io
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import orjson
import polars as pl
import yaml

from hotgate.model import ChangeRequest, Issue
from hotgate.policy.reading.signals import issue_from_row
from hotgate.sources.base import (
    FileFormat,
    Format,
    Ignored,
    Origin,
    Skipped,
    SourceError,
    detect,
    formats,
)
from hotgate.sources.columnar import IGNORED, read_chunk
from hotgate.sources.documents import (
    NoAliasLoader,
    json_problem,
    looks_like_csv,
    looks_like_yaml,
    salvaged,
    unknown_csv,
)
from hotgate.sources.mapped import mapped_items

# A frame item holds many issues already in the evaluation frame's columns.
Item = Issue | ChangeRequest | Skipped | Ignored | pl.DataFrame
# The same, with issues read as columns turned back into objects.
Record = Issue | ChangeRequest | Skipped | Ignored
BLOCK_BYTES = 16 * 1024 * 1024
BOM = b"\xef\xbb\xbf"
_SPACE = re.compile(rb"\s*")


def _open(path: str) -> io.BufferedReader:
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from None


def read_issues(path: str, origin: Origin | None = None) -> Iterator[Record]:
    """Like read_items, with issues read as columns turned back into Issue objects."""
    return as_objects(read_items(path, origin))


def read_bytes(body: bytes, label: str, name: str) -> Iterator[Record]:
    """The records of a document held in memory (an API request); `name` tells YAML from JSON."""
    stream = io.BufferedReader(io.BytesIO(body))
    return as_objects(_read_documents(stream, label, name, Origin()))


def as_objects(items: Iterable[Item]) -> Iterator[Record]:
    """The same items, with each frame of issues (read as columns) turned into Issue objects."""
    for item in items:
        if isinstance(item, pl.DataFrame):
            yield from (issue_from_row(row) for row in item.iter_rows(named=True))
        else:
            yield item


def read_items(path: str, origin: Origin | None = None) -> Iterator[Item]:
    """Every record of a file (or of every file in a folder, or of `-`, standard input).

    Items are Issue, ChangeRequest, Skipped or Ignored, or frames of issues read as columns.
    Raises SourceError when a lone file cannot be read. A live tracker (`github:OWNER/REPO`)
    is no file: `hotgate.sources.named.read_items` reads either.
    """
    origin = origin or Origin()
    if path == "-":
        # Standard input is kept in a temporary file, so CSV and XML stream from it as from
        # any file, and every format is recognised by its content.
        with tempfile.NamedTemporaryFile(prefix="hotgate-stdin-") as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            spool.flush()
            yield from _read_file(spool.name, "<stdin>", origin)
        return
    if Path(path).is_dir():
        for child in sorted(Path(path).iterdir()):
            if child.is_file() and not child.name.startswith(".") and child.suffix.lower() != ".md":
                yield from _read_file(str(child), str(child), origin, alone=False)
        return
    yield from _read_file(path, path, origin)


def _read_file(path: str, label: str, origin: Origin, alone: bool = True) -> Iterator[Item]:
    """One file's records; in a folder, a file that cannot be read is one skipped entry."""
    try:
        yield from _file_items(path, label, origin)
    except SourceError as exc:
        if alone:
            raise
        reason = str(exc).removeprefix(f"{label}: ").removeprefix(label)
        yield Skipped(label, reason, whole_file=True)


def _file_items(path: str, label: str, origin: Origin) -> Iterator[Item]:
    stream = _open(path)
    try:
        head = stream.peek(4096)[:4096].removeprefix(BOM)
        if origin.columns is not None:
            yield from mapped_items(path, label, head, origin)
            return
        for fmt in formats():
            if isinstance(fmt, FileFormat) and fmt.sniff(label, head):
                yield from fmt.read_as(path, label, origin)
                return
        if looks_like_csv(label, head):
            raise SourceError(unknown_csv(label, head))
        yield from _read_documents(stream, label, label, origin)
    finally:
        stream.close()


def _read_documents(stream: IO[bytes], label: str, path: str, origin: Origin) -> Iterator[Item]:
    blank, first = _first_line(stream)
    if first is None:
        raise SourceError(f"{label}: is empty")
    first = first.removeprefix(BOM)
    stripped = first.lstrip()
    if path.endswith((".yaml", ".yml")) or (
        not stripped.startswith((b"{", b"[")) and looks_like_yaml(stripped)
    ):
        yield from _from_yaml(first + stream.read(), label, origin)
        return
    if not stripped.startswith((b"{", b"[")):
        raise SourceError(
            f"{label}: unknown format: expected JSON, JSON Lines, YAML, CSV or XML "
            f"(starts with {stripped[:20]!r})"
        )
    between, second = _first_line(stream)
    rest = b"\n" * between + (second or b"")
    # JSON Lines: a whole value on the first line and more after it (a JSON document cannot go
    # on once its value is whole), or a whole object on the next line after an object's first
    # line (that line is then a bad record, named and skipped). A JSON document's second line is
    # a key, or the start of an object that goes on over the lines after it.
    if second is not None and (
        _is_json(first)
        or (stripped.startswith(b"{") and second.lstrip().startswith(b"{") and _is_json(second))
    ):
        yield from _from_json_lines(first, rest, stream, label, origin, start=blank)
        return
    text = first + rest + stream.read()
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        yield from salvaged(text, label, str(exc), lambda r, w: read_record(r, w, origin), blank)
        return
    yield from _from_document(document, label, origin)


def _first_line(stream: IO[bytes]) -> tuple[int, bytes | None]:
    """The next line that is not blank, and how many blank lines came before it."""
    blank = 0
    for line in stream:
        if line.strip():
            return blank, line
        blank += 1
    return blank, None


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _from_json_lines(
    first: bytes, second: bytes, stream: IO[bytes], label: str, origin: Origin, start: int = 0
) -> Iterator[Item]:
    """The records of a JSON Lines file whose first lines were read (start: blank lines before
    `first`, so that a bad line is named by its number in the file)."""
    # Whole blocks ending at a line end (the block, then the rest of its last line): no Python
    # work per line unless a block needs it, and no copy of a block but the one joining them.
    data = first + second + stream.read(BLOCK_BYTES)
    while data:
        if not data.endswith(b"\n"):
            data += stream.readline()
        if not data.isspace():
            yield from _chunk(data, start, label, origin)
        start += data.count(b"\n")
        data = stream.read(BLOCK_BYTES)


def _chunk(data: bytes, start: int, label: str, origin: Origin) -> Iterator[Item]:
    """A block of lines as one frame when every line is clean, else line by line."""
    fast = _as_frame(data, origin)
    if fast is not None:
        for _ in range(int(fast[IGNORED].sum()) if IGNORED in fast.columns else 0):
            yield Ignored(label, "not an issue")
        yield fast.filter(~pl.col(IGNORED)).drop(IGNORED) if IGNORED in fast.columns else fast
        return
    for number, line in enumerate(data.split(b"\n"), start=start + 1):
        if not line.strip():
            continue
        where = f"{label} line {number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield json_problem(line, where, str(exc))
            continue
        yield from _from_document(record, where, origin, single=True)


def _as_frame(data: bytes, origin: Origin) -> pl.DataFrame | None:
    begin = _SPACE.match(data).end()  # type: ignore[union-attr]  # \s* always matches
    end = data.find(b"\n", begin)
    first = data[begin : end if end >= 0 else len(data)]
    try:
        record = orjson.loads(first) if first else None
    except orjson.JSONDecodeError:
        return None
    fmt = detect(record) if isinstance(record, Mapping) else None
    if fmt is None or type(fmt).frame is Format.frame:
        return None
    raw = read_chunk(data, fmt.raw_schema)
    return fmt.frame(raw, origin, data) if raw is not None else None


def _from_yaml(text: bytes, label: str, origin: Origin) -> Iterator[Item]:
    try:
        documents = list(yaml.load_all(text.decode("utf-8-sig"), Loader=NoAliasLoader))
    except UnicodeDecodeError as exc:
        raise SourceError(f"{label}: not valid UTF-8 at byte {exc.start}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        place = f"{label}:{where}" if where else label
        raise SourceError(f"{place}: not valid YAML: {problem}") from None
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


def _from_document(
    document: Any, label: str, origin: Origin, single: bool = False
) -> Iterator[Item]:
    records = list(_records(document))
    for index, record in enumerate(records, start=1):
        where = label if single and len(records) == 1 else f"{label} record {index}"
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
    return read_with(fmt, record, where, origin)


def read_with(fmt: Format, record: Any, where: str, origin: Origin) -> Issue | Skipped | Ignored:
    """A record of a known format into an Issue, or a Skipped entry naming the problem."""
    if not isinstance(record, Mapping):
        return Skipped(where, f"expected an object, got {type(record).__name__}")
    try:
        return fmt.to_issue(record, origin)
    except SourceError as exc:
        return skipped_for(where, exc)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # A shape no reader foresaw: name the record and the kind of problem, not Python's words.
        return Skipped(where, f"{fmt.name} record is malformed ({type(exc).__name__})")


def skipped_for(where: str, exc: SourceError) -> Skipped:
    """A record's SourceError as a Skipped entry: `record KEY: problem` names the record."""
    message = str(exc)
    if message.startswith("record: "):
        return Skipped(where, message.removeprefix("record: "))
    ident, _, problem = message.removeprefix("record ").partition(": ")
    return Skipped(f"{where} ({ident})", problem) if problem else Skipped(where, message)
