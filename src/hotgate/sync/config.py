"""The sources file: which trackers `hotgate sync` keeps current, and what it may write back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from hotgate.jobs.schedule import RecheckConfig, parse_every
from hotgate.notify.routes import Notifications
from hotgate.sources.base import SourceError, validation_message
from hotgate.sources.connector import Connector, ConnectorSettings, connectors
from hotgate.sources.live import open_connector
from hotgate.sync import DEFAULT_FILE


class WriteBack(BaseModel):
    """What sync may post on the tracker; off unless asked for."""

    model_config = ConfigDict(extra="forbid")

    comment: bool = False
    labels: bool = False


class SourceConfig(BaseModel):
    """One tracker to keep in sync."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(description="As on the command line: github:OWNER/REPO, jira:https://…")
    name: str = Field(default="", description="Name of the cursor; defaults to the source.")
    token_env: str | None = Field(
        default=None, description="Environment variable holding this source's token."
    )
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Connector settings: url, page_size, max_wait …"
    )
    write_back: WriteBack = Field(default_factory=WriteBack)
    every: str | None = Field(
        default=None, description="Sync on a schedule inside the service: 30s, 15m, 1h …"
    )

    @model_validator(mode="after")
    def _default_name(self) -> SourceConfig:
        if not self.name:
            self.name = self.source
        if self.every is not None:
            parse_every(self.every)
        return self

    def connector(self, sleep: Any = None) -> Connector:
        """The connector for this source, its settings from the file and the environment."""
        tracker = self.source.partition(":")[0]
        cls = connectors().get(tracker)
        if cls is None:
            known = ", ".join(sorted(connectors()))
            raise SourceError(f"{self.name}: unknown tracker {tracker!r} (known: {known})")
        options = dict(self.settings)
        if self.token_env:
            token = os.environ.get(self.token_env)
            if not token:
                raise SourceError(f"{self.name}: environment variable {self.token_env} is not set")
            options["token"] = SecretStr(token)
        try:
            settings: ConnectorSettings = cls.settings_class(**options)
        except ValidationError as exc:
            raise SourceError(f"{self.name}: settings: {validation_message(exc)}") from None
        return open_connector(self.source, settings, sleep=sleep)[0]


class SourcesFile(BaseModel):
    """The whole sources file."""

    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig] = Field(default_factory=list)
    recheck: RecheckConfig | None = None
    notifications: Notifications | None = None


def load_sources(path: Path | None) -> SourcesFile:
    """Read the sources file (default ./hotgate-sources.yaml); a clear error naming the place."""
    path = path or Path(DEFAULT_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceError(f"{path}: cannot read the sources file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not valid UTF-8 at byte {exc.start}") from None
    except ValueError as exc:  # YAML reads 2023-13-01 as a date and fails on the month
        raise SourceError(f"{path}: a value YAML cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        found = SourcesFile.model_validate(data or {})
    except ValidationError as exc:
        raise SourceError(f"{path}: {validation_message(exc)}") from None
    names = [s.name for s in found.sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SourceError(f"{path}: source names must differ; repeated: {', '.join(twice)}")
    return found
