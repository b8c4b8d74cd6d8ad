"""Keeping the store current: pull what changed at each source, decide it, record it, resume."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from hotgate import service, store
from hotgate.model import Issue
from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import Policy
from hotgate.sources.base import Skipped
from hotgate.sources.connector import Connector
from hotgate.sync.config import SourceConfig
from hotgate.sync.write_back import WriteBackReport, write_back


@dataclass
class SyncReport:
    """What one source's sync did."""

    source: str
    pages: int = 0
    pulled: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    decided: int = 0
    verdicts_changed: int = 0
    ignored: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    cursor: str | None = None
    posted: WriteBackReport = field(default_factory=WriteBackReport)


def sync_source(
    config: SourceConfig,
    sessions: sessionmaker[Session],
    policy: Policy,
    context: Context,
    connector: Connector | None = None,
    after_commit: Callable[[SyncReport], None] | None = None,
) -> SyncReport:
    """Pull a source from its saved cursor; each page and its cursor are committed together."""
    connector = connector or config.connector()
    report = SyncReport(source=config.name)
    try:
        with sessions() as session:
            since = store.get_cursor(session, config.name)
        report.cursor = since
        for page in connector.pull(since):
            report.pages += 1
            report.pulled += len(page.items)
            report.skipped.extend(i for i in page.items if isinstance(i, Skipped))
            report.ignored += sum(1 for i in page.items if not isinstance(i, Issue | Skipped))
            with sessions.begin() as session:
                changed = store.changed_issues(session, page.issues)
                counts = store.upsert_issues(session, changed)
                # read per page, in its transaction: a review made during a long sync counts
                # from the next page on
                trouble = store.troubled_hotfixes_by_component(session) if changed else None
                decisions = service.decide_issues(changed, policy, context, trouble)
                recorded = store.record_decisions(session, decisions)
                store.set_cursor(session, config.name, page.cursor)
            report.inserted += counts.inserted
            report.updated += counts.updated
            report.unchanged += len({i.key for i in page.issues}) - len(changed)
            report.decided += len(decisions)
            report.verdicts_changed += recorded.changed
            report.cursor = page.cursor
            if config.write_back.comment or config.write_back.labels:
                write_back(connector, config.write_back, decisions, report.posted)
            if after_commit is not None:
                after_commit(report)
    finally:
        connector.close()
    return report
