"""Benchmark the pages and read API on a large store: how quickly a release manager sees them.

Records N generated bugs twice (2 × N assessments, as after a re-triage), reviews a few hundred
of them (approved, deployed, verified, regressed, rolled back), then times each page and read
endpoint in-process (Starlette's test client: no network), beside a bare `/healthz` as the
baseline. Run:

    .venv/bin/python bench/bench_pages.py [--issues 100000] [--times 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from bench_api import generated_issue

from hotgate import store
from hotgate.api import Settings, create_app
from hotgate.policy.deciding.calendar import context_from_options
from hotgate.policy.deciding.columns import decision_documents
from hotgate.policy.deciding.engine import evaluate
from hotgate.policy.definition.schema import load_policy
from hotgate.policy.reading.signals import issues_frame
from hotgate.sources.base import Origin, format_named

REVIEWS = [
    ["approve"],
    ["approve", "deployed"],
    ["approve", "deployed", "verified"],
    ["approve", "deployed", "regressed"],
    ["approve", "deployed", "rolled-back"],
]


def fill(url: str, count: int) -> int:
    """Record `count` bugs twice and review some hotfixes; returns a reviewed decision's id."""
    rng = random.Random(11)
    github = format_named("github")
    issues = [github.to_issue(generated_issue(n, rng), Origin()) for n in range(1, count + 1)]
    policy = load_policy(None)
    store.upgrade(url)
    engine = store.make_engine(url)
    sessions = store.session_factory(engine)
    for day in (date(2026, 11, 1), date(2026, 11, 15)):
        context = context_from_options(day, None)
        for start in range(0, count, 20_000):
            frame = evaluate(policy, issues_frame(issues[start : start + 20_000]), context)  # type: ignore[arg-type]
            documents = decision_documents(policy, frame, context)
            with sessions.begin() as session:
                store.record_documents(session, documents)
    reviewed = 0
    with sessions.begin() as session:
        hotfixes, _ = store.list_decisions(session, verdict="hotfix", limit=300)
        for n, decision in enumerate(hotfixes):
            for action in REVIEWS[n % len(REVIEWS)]:
                store.review(session, decision.id, action, "release manager")
            reviewed = decision.id
    engine.dispose()
    return reviewed


def timed(client: TestClient, path: str, times: int) -> dict[str, float]:
    """p50 and p95 milliseconds of `times` GETs of one path (after one warm-up)."""
    assert client.get(path).status_code == 200, path
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        answer = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, path
    spent.sort()
    return {"p50": statistics.median(spent), "p95": spent[int(0.95 * (len(spent) - 1))]}


def main() -> None:
    """Fill a store, time every page, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--times", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        reviewed = fill(url, options.issues)
        filled = time.perf_counter() - started
        print(f"store: {2 * options.issues:,} assessments, filled in {filled:.0f} s")
        paths = [
            ("baseline: /healthz", "/healthz"),
            ("triage queue (/)", "/"),
            ("queue, hotfixes only", "/?verdict=hotfix"),
            ("queue, rolled back only", "/?state=rolled-back"),
            ("a decision page", f"/decisions/{reviewed}"),
            ("dashboard", "/dashboard"),
            ("audit log", "/audit"),
            ("API: a page of decisions", "/api/v1/decisions?limit=50"),
            ("API: hotfixes awaiting review", "/api/v1/decisions?verdict=hotfix&state=proposed"),
        ]
        with TestClient(create_app(Settings(database_url=url))) as client:
            rows = [(name, timed(client, path, options.times)) for name, path in paths]
    print("\n| page | p50 ms | p95 ms |\n|---|---|---|")
    for name, row in rows:
        print(f"| {name} | {row['p50']:.1f} | {row['p95']:.1f} |")


if __name__ == "__main__":
    main()
