"""The background work for the faces: scheduled jobs, their recent runs, notifications sent."""

from __future__ import annotations

from hotgate.store.jobs import JobRecord, RunRecord, list_jobs, list_runs
from hotgate.store.notifications import NotificationRecord, list_notifications

__all__ = [
    "JobRecord",
    "NotificationRecord",
    "RunRecord",
    "list_jobs",
    "list_notifications",
    "list_runs",
]
