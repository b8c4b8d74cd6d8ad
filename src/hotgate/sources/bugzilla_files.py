"""Bugzilla's own exports: `buglist.cgi?ctype=csv` and `show_bug.cgi?ctype=xml`, streamed.

Both are turned into the REST API's field names and read by the Bugzilla REST format, so a
bug reads the same whichever way it was exported.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import urlparse

from hotgate.model import Issue
from hotgate.sources.base import FileFormat, Ignored, Origin, Skipped, SourceError
from hotgate.sources.bugzilla import BugzillaFormat
from hotgate.sources.csvfile import BadRow, Row, first, header_of, rows

# buglist.cgi column -> REST field.
_CSV_FIELDS = {
    "bug_id": "id",
    "short_desc": "summary",
    "product": "product",
    "component": "component",
    "bug_status": "status",
    "resolution": "resolution",
    "bug_severity": "severity",
    "priority": "priority",
    "changeddate": "last_change_time",
    "opendate": "creation_time",
    "version": "version",
    "bug_type": "type",
    "votes": "votes",
    "keywords": "keywords",
    "status_whiteboard": "whiteboard",
}
# show_bug.cgi element -> REST field, for single-valued elements.
_XML_FIELDS = {
    "bug_id": "id",
    "short_desc": "summary",
    "product": "product",
    "component": "component",
    "bug_status": "status",
    "resolution": "resolution",
    "bug_severity": "severity",
    "priority": "priority",
    "creation_ts": "creation_time",
    "delta_ts": "last_change_time",
    "version": "version",
    "bug_type": "type",
    "votes": "votes",
    "status_whiteboard": "whiteboard",
    "cf_crash_signature": "cf_crash_signature",
}
# XML 1.0 forbids these control characters; real Bugzilla pages still contain them.
_INVALID_XML = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*[0-8bcef]|x0*1[0-9a-f]|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));",
    re.IGNORECASE,
)
_CHUNK = 1 << 16


def bugzilla_time(value: Any) -> str | None:
    """Bugzilla's `2009-07-22 15:27:25 +0200` as ISO 8601."""
    if not value:
        return None
    text = str(value).strip()
    match = re.match(
        r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d(?::\d\d)?)(?: ?([+-]\d{4}|[A-Z]{2,4}))?$", text
    )
    if not match:
        return text
    day, clock, zone = match.groups()
    offset = "+00:00" if not zone or zone.isalpha() else f"{zone[:3]}:{zone[3:]}"
    return f"{day}T{clock}{offset}"


class BugzillaCsvFormat(FileFormat):
    """Bugzilla's bug list exported as CSV (buglist.cgi?ctype=csv)."""

    name = "bugzilla-csv"

    def sniff(self, path: str, head: bytes) -> bool:  # noqa: ARG002
        """A CSV header with bug_id and short_desc."""
        columns = set(header_of(head))
        return "bug_id" in columns and "short_desc" in columns

    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every row as an Issue; a bad row is skipped with its line number."""
        for line, row in rows(path):
            if isinstance(row, BadRow):
                yield Skipped(f"{path} line {line}", row.reason)
                continue
            yield self.guarded({"row": row}, origin, f"{path} line {line}")

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """One row, renamed to REST fields, read as a REST bug."""
        row: Row = record["row"]
        bug: dict[str, Any] = {}
        for column, field in _CSV_FIELDS.items():
            value = first(row, column)
            if value is not None:
                bug[field] = value
        for field in ("creation_time", "last_change_time"):
            bug[field] = bugzilla_time(bug.get(field))
        if "keywords" in bug:
            bug["keywords"] = [k.strip() for k in bug["keywords"].split(",") if k.strip()]
        if "id" not in bug:
            raise SourceError("record: no bug_id")
        return BugzillaFormat().to_issue(bug, origin)


class BugzillaXmlFormat(FileFormat):
    """Bugs exported as XML (show_bug.cgi?ctype=xml), invalid characters and all."""

    name = "bugzilla-xml"

    def sniff(self, path: str, head: bytes) -> bool:  # noqa: ARG002
        """An XML document whose root is <bugzilla>."""
        return head.lstrip().startswith(b"<") and b"<bugzilla" in head

    def read(self, path: str, origin: Origin) -> Iterator[Issue | Skipped | Ignored]:
        """Every <bug> element as an Issue, each parsed alone: one malformed bug costs one bug.

        A file cut short is named: the bug it ends inside, or the missing </bugzilla>.
        """
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below; a generator holds it
        except OSError as exc:
            raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from None
        with handle:
            index, closed, pending = 0, False, b""
            for chunk in _clean_chunks(handle):
                pending += chunk
                if not origin.host and (found := _URLBASE.search(pending)):
                    origin = Origin(host=_host(found.group(1)), project=origin.project)
                while (start := _BUG_START.search(pending)) is not None:
                    end = _bug_end(pending, start.start())
                    if end is None:
                        break
                    index += 1
                    yield self._bug(pending[start.start() : end], index, path, origin)
                    pending = pending[end:]
                if b"</bugzilla>" in pending:
                    closed = True
                elif _BUG_START.search(pending) is None:
                    pending = pending[-64:]  # text between bugs: keep only a possible tag's start
            if (start := _BUG_START.search(pending)) is not None:
                ident = _BUG_ID.search(pending[start.start() :])
                name = ident.group(1).decode("utf-8", "replace") if ident else str(index + 1)
                yield Skipped(f"{path} bug {name}", "the file ends inside this bug (cut short?)")
            elif not closed:
                yield Skipped(path, "the file ends before </bugzilla>: it may be cut short")

    def _bug(self, text: bytes, index: int, path: str, origin: Origin) -> Issue | Skipped | Ignored:
        ident = _BUG_ID.search(text)
        where = f"{path} bug {ident.group(1).decode('utf-8', 'replace') if ident else index}"
        try:
            element = ET.fromstring(text)
        except ET.ParseError as exc:
            return Skipped(where, f"not valid XML: {exc}")
        bug = xml_bug(element)
        if "error" in bug:
            return Ignored(where, f"Bugzilla could not export this bug ({bug['error']})")
        return self.guarded(bug, origin, where)

    def to_issue(self, record: Mapping[str, Any], origin: Origin) -> Issue | Ignored:
        """A <bug>, already turned into REST fields, read as a REST bug."""
        return BugzillaFormat().to_issue(record, origin)


_BUG_START = re.compile(rb"<bug[\s>/]")
_BUG_ID = re.compile(rb"<bug_id>\s*([^<\s]{1,40})\s*</bug_id>")


def _host(urlbase: bytes) -> str | None:
    """The host of the export's urlbase attribute; None when it is no URL ("https://[x/")."""
    try:
        return urlparse(urlbase.decode("utf-8", "replace")).hostname
    except ValueError:
        return None


_URLBASE = re.compile(rb"<bugzilla\b[^>]*\burlbase=\"([^\"]*)\"")


def _bug_end(text: bytes, start: int) -> int | None:
    """Where the <bug> element opening at `start` ends, or None when it is not all here yet."""
    opening = text.find(b">", start)
    if opening == -1:
        return None
    if text[opening - 1 : opening] == b"/":
        return opening + 1
    close = text.find(b"</bug>", opening)
    following = _BUG_START.search(text, opening)
    if following is not None and (close == -1 or following.start() < close):
        return following.start()  # a bug never closed: it ends where the next one begins
    return None if close == -1 else close + len(b"</bug>")


def xml_bug(element: ET.Element) -> dict[str, Any]:
    """A <bug> element's fields under the REST API's names, with comments and authors inline."""
    bug: dict[str, Any] = {}
    if element.get("error"):
        bug["error"] = element.get("error")
    for child in element:
        text = (child.text or "").strip()
        if child.tag in _XML_FIELDS:
            bug[_XML_FIELDS[child.tag]] = text
        elif child.tag in {"reporter", "assigned_to", "qa_contact"}:
            bug["creator" if child.tag == "reporter" else child.tag] = text
        elif child.tag == "keywords":
            bug["keywords"] = [k.strip() for k in text.split(",") if k.strip()]
        elif child.tag == "cc":
            bug.setdefault("cc", []).append(text)
        elif child.tag == "regressed_by":
            bug.setdefault("regressed_by", []).append(text)
        elif child.tag == "dup_id":
            bug["dupe_of"] = text
        elif child.tag == "long_desc":
            bug.setdefault("comments", []).append(
                {
                    "text": child.findtext("thetext") or "",
                    "creator": (child.findtext("who") or "").strip() or None,
                    "creation_time": bugzilla_time(child.findtext("bug_when")),
                }
            )
    for field in ("creation_time", "last_change_time"):
        bug[field] = bugzilla_time(bug.get(field))
    return bug


def _clean_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The file in chunks with XML-invalid control characters removed.

    A chunk boundary could split a character reference, so the tail after the last `&` is
    carried over to the next chunk.
    """
    carry = b""
    while True:
        chunk = handle.read(_CHUNK)
        if not chunk:
            if carry:
                yield _INVALID_XML.sub(b"", carry)
            return
        data = carry + chunk
        cut = data.rfind(b"&")
        if cut != -1 and len(data) - cut < 12:
            data, carry = data[:cut], data[cut:]
        else:
            carry = b""
        yield _INVALID_XML.sub(b"", data)
