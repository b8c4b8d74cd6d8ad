"""Change request documents: JSON, YAML, several in one file, and bad fields named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hotgate.model import ChangeRequest
from hotgate.sources.base import Skipped
from hotgate.sources.reader import read_items

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "changes"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_yaml_change_request_is_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.yaml",
        (
            "kind: change\nid: 42\ntitle: Banner text\nchanges: [Text, image]\n"
            "needed_by: 2026-11-27\nrequested_by: dana@example.com\n"
        ),
    )
    [item] = list(read_items(path))
    assert isinstance(item, ChangeRequest)
    assert (item.key, item.changes, item.needed_by, item.requested_by) == (
        "change:42",
        ["text", "image"],
        date(2026, 11, 27),
        "dana@example.com",
    )
    assert item.areas is None
    assert item.custom_code is None


def test_a_json_list_and_a_changes_document_are_read(tmp_path: Path) -> None:
    listed = _write(
        tmp_path,
        "c.json",
        '[{"kind": "change", "id": "A", "title": "One"},'
        ' {"kind": "change", "id": "B", "title": "Two"}]',
    )
    grouped = _write(
        tmp_path,
        "g.yaml",
        "kind: changes\nrequests:\n"
        "  - {kind: change, id: A, title: One}\n  - {kind: change, id: B, title: Two}\n",
    )
    for path in (listed, grouped):
        assert [i.key for i in read_items(path) if isinstance(i, ChangeRequest)] == [
            "change:A",
            "change:B",
        ]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ('{"kind": "change", "id": "A", "title": "x", "changes": ["banner"]}', "'changes.0'"),
        ('{"kind": "change", "id": "A", "title": "x", "needed_by": "next week"}', "'needed_by'"),
        ('{"kind": "change", "id": "A"}', "'title'"),
        ('{"kind": "change", "id": "A", "title": "x", "colour": "red"}', "'colour'"),
    ],
)
def test_a_bad_field_is_skipped_naming_the_field(tmp_path: Path, record: str, message: str) -> None:
    path = _write(
        tmp_path, "bad.jsonl", record + "\n" + '{"kind": "change", "id": "B", "title": "ok"}\n'
    )
    items = list(read_items(path))
    assert isinstance(items[0], Skipped)
    assert message in str(items[0])
    assert "change A" in str(items[0])
    assert isinstance(items[1], ChangeRequest)


def test_the_examples_are_valid_change_requests() -> None:
    files = sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.json"))
    requests = [i for f in files for i in read_items(str(f))]
    assert len(files) >= 6
    assert all(isinstance(item, ChangeRequest) for item in requests), requests
    assert len({item.key for item in requests if isinstance(item, ChangeRequest)}) == len(requests)
