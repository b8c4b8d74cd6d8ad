"""The server's settings, read from HOTGATE_* environment variables."""

from __future__ import annotations

import ipaddress
from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotgate.services.records import default_database_url


class Settings(BaseSettings):
    """Everything the server needs; each field can be set as HOTGATE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="HOTGATE_", extra="ignore")

    database_url: str | None = None
    policy: Path | None = None
    next_release: date | None = None
    # Release calendar files or URLs, joined with the policy's own (HOTGATE_CALENDARS='["a.ics"]').
    calendars: list[str] = Field(default_factory=list)
    host: str = "127.0.0.1"
    open_reads: bool = True
    github_webhook_secret: SecretStr | None = None
    gitlab_webhook_token: SecretStr | None = None
    jira_webhook_secret: SecretStr | None = None
    secure_cookies: bool = False
    # The sources file whose scheduled jobs the server runs itself on SQLite (hotgate-sources.yaml)
    sources: Path | None = None
    job_tick_seconds: float = Field(default=5.0, gt=0)
    job_lease_seconds: float = Field(default=60.0, gt=0)

    def url(self) -> str:
        """The database URL: the setting, or hotgate.db beside the policy (or here)."""
        return self.database_url or default_database_url(self.policy)

    def reads_are_open(self) -> bool:
        """Pages and the stateless assess need no token only on a loopback address."""
        return self.open_reads and is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
