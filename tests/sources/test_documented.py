"""Every connector, setting and sources-file key is documented in docs/sources.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotgate.sources.base import formats
from hotgate.sources.connector import connectors
from hotgate.sync.config import SourceConfig, WriteBack

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text()


@pytest.mark.parametrize("name", sorted(connectors()))
def test_connector_settings_are_documented(name: str) -> None:
    cls = connectors()[name]
    assert f"`{name}:" in DOCS
    for field in cls.settings_class.model_fields:
        assert f"`{field}`" in DOCS or f"_{field.upper()}`" in DOCS, f"{name}: {field}"


@pytest.mark.parametrize("field", [*SourceConfig.model_fields, *WriteBack.model_fields])
def test_sources_file_keys_are_documented(field: str) -> None:
    assert f"{field}:" in DOCS or f"`{field}`" in DOCS


def test_every_registered_format_is_in_the_entry_point_list() -> None:
    for fmt in formats():
        assert f'{fmt.name} = "' in DOCS
