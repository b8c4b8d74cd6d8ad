"""Scheduled work: syncing trackers, re-deciding open bugs when the calendar moves, notifying.

On the embedded SQLite store `hotgate serve` runs the jobs itself, one server at a time per job
(a lease row); on PostgreSQL `hotgate worker` processes run them through procrastinate's queue.
"""

from hotgate.jobs.schedule import Job, RecheckConfig, cron_of, parse_every, planned_jobs

__all__ = ["Job", "RecheckConfig", "cron_of", "parse_every", "planned_jobs"]
