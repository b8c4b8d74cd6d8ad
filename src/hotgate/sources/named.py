"""Reading a source by its name: a live tracker (`github:OWNER/REPO`, …) or a file.

The file reader knows nothing of live trackers, and the live connectors use the file
reader's record reading; this module, one level above both, chooses between them.
"""

from __future__ import annotations

from collections.abc import Iterator

from hotgate.sources import reader
from hotgate.sources.base import TRACKER_SPEC, Origin
from hotgate.sources.reader import Item, Record, as_objects


def read_items(spec: str, origin: Origin | None = None) -> Iterator[Item]:
    """Every record a source names: a live tracker's issues, or a file's, a folder's or `-`'s.

    Items are as `hotgate.sources.reader.read_items` gives them; raises SourceError when the
    source cannot be read (an unknown tracker, a missing file, a tracker that refuses).
    """
    if TRACKER_SPEC.match(spec):  # else a file, read without loading the connectors
        from hotgate.sources.live import live_items, live_tracker

        if live_tracker(spec):
            return live_items(spec)
    return reader.read_items(spec, origin)


def read_issues(spec: str, origin: Origin | None = None) -> Iterator[Record]:
    """Like read_items, with issues read as columns turned back into Issue objects."""
    return as_objects(read_items(spec, origin))
