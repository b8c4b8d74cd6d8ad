"""Benchmark scheduled syncs through the PostgreSQL queue with 1 and 2 `hotgate worker` processes.

Run: .venv/bin/python bench/bench_sync.py [--repos 8] [--issues 1500] [--workers 1 2]

- A GitHub-shaped tracker on loopback serves REPOS repositories of ISSUES generated issues each
  (bench/generate.py's texts and labels), paged 100 at a time, honouring `since`.
- For each worker count: a new PostgreSQL database, a sources file syncing every repository
  every 10 s, and that many `hotgate worker` processes. Phase 1 measures the first sync (every
  issue new: stored and decided); then the tracker changes every issue (a new comment count and
  update time) and phase 2 measures the sync that re-decides them all.
- The figure is issues per minute over the window from the first run's start to the last
  run's end (as the jobs table records them), so worker start-up and the wait for the next
  10-second mark are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from generate import issue

from hotgate import store
from hotgate.store.jobs import list_runs
from hotgate.store.tables import decisions

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PAGE = 100


class Tracker:
    """Generated issues per repository; `version` 2 changes every one of them."""

    def __init__(self, repos: int, issues: int) -> None:
        self.repos, self.version = [f"acme/r{n}" for n in range(repos)], 1
        rng = random.Random(7)
        self.issues = {
            repo: [self._shaped(issue(n, rng), repo, n) for n in range(1, issues + 1)]
            for repo in self.repos
        }

    @staticmethod
    def _shaped(record: dict[str, Any], repo: str, n: int) -> dict[str, Any]:
        record = dict(record)
        for key in ("url", "repository_url", "html_url"):
            record[key] = str(record[key]).replace("acme/web", repo)
        record["updated_at"] = f"2026-11-20T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        return record

    def change_all(self) -> None:
        """Every issue gets a later update time and more comments (so each is re-decided)."""
        for records in self.issues.values():
            for record in records:
                record["updated_at"] = record["updated_at"].replace("2026-11-20", "2026-11-25")
                record["comments"] = int(record["comments"]) + 1
        self.version = 2

    def page(self, repo: str, since: str | None, number: int) -> tuple[list[Any], bool]:
        """One page of a repository's issues updated at or after since, and whether more follow."""
        records = [r for r in self.issues[repo] if since is None or r["updated_at"] >= since]
        records.sort(key=lambda r: r["updated_at"])
        chunk = records[(number - 1) * PAGE : number * PAGE]
        return chunk, number * PAGE < len(records)


def serve(tracker: Tracker) -> str:
    """The tracker on a free loopback port; its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            repo = parts.path.removeprefix("/repos/").removesuffix("/issues")
            number = int(query.get("page", 1))
            records, more = tracker.page(repo, query.get("since"), number)
            body = json.dumps(records).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if more:
                following = dict(query, page=str(number + 1))
                link = "&".join(f"{k}={v}" for k, v in following.items())
                self.send_header("Link", f'<{base}/repos/{repo}/issues?{link}>; rel="next"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base


def _decisions(url: str) -> int:
    engine = store.make_engine(url)
    try:
        with store.session_factory(engine)() as session:
            return int(session.execute(select(func.count()).select_from(decisions)).scalar_one())
    finally:
        engine.dispose()


def _window(url: str, after: datetime | None) -> float:
    """Seconds from the first run's start to the last run's end among runs that pulled issues."""
    engine = store.make_engine(url)
    try:
        with store.session_factory(engine)() as session:
            runs = [
                r
                for r in list_runs(session, limit=100_000)
                if r.status == "succeeded"
                and (r.detail or {}).get("pulled", 0) > 1
                and (after is None or r.started_at >= after)
            ]
    finally:
        engine.dispose()
    start = min(r.started_at for r in runs)
    end = max(r.finished_at for r in runs if r.finished_at)
    return (end - start).total_seconds()


def run(tracker: Tracker, base: str, workers: int, folder: Path) -> dict[str, float]:
    """Phase 1 and 2 with this many workers on a new database; issues per minute of each."""
    name = f"hotgate_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    store.upgrade(url)
    sources = folder / "hotgate-sources.yaml"
    sources.write_text(
        "sources:\n"
        + "".join(
            f"  - source: github:{repo}\n    every: 10s\n"
            f"    settings: {{url: '{base}', page_size: {PAGE}, attempts: 1}}\n"
            for repo in tracker.repos
        )
    )
    env = {**os.environ, "HOTGATE_DATABASE_URL": url, "HOTGATE_GITHUB_TOKEN": "t"}
    command = [sys.executable, "-m", "hotgate", "worker", "--sources", str(sources)]
    processes = [
        subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    total = sum(len(records) for records in tracker.issues.values())
    figures: dict[str, float] = {}
    try:
        while _decisions(url) < total:
            time.sleep(0.5)
        figures["synced and decided (new issues) per minute"] = total / _window(url, None) * 60
        changed_at = datetime.now().astimezone()
        tracker.change_all()
        while _decisions(url) < 2 * total:
            time.sleep(0.5)
        figures["synced and re-decided (changed issues) per minute"] = (
            total / _window(url, changed_at) * 60
        )
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return figures


def main() -> None:
    """Measure and print one table row per worker count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=8)
    parser.add_argument("--issues", type=int, default=1500, help="Issues per repository.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    print(f"{options.repos} repositories × {options.issues} issues, pages of {PAGE}")
    print(
        "| workers | new issues synced and decided per minute | changed issues synced and "
        "re-decided per minute |"
    )
    print("|---|---|---|")
    for count in options.workers:
        tracker = Tracker(options.repos, options.issues)
        base = serve(tracker)
        with tempfile.TemporaryDirectory() as folder:
            figures = run(tracker, base, count, Path(folder))
        new, again = figures.values()
        print(f"| {count} | {new:,.0f} | {again:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
