"""Benchmark of the hotfix report: reading a decisions file and computing every figure.

Generates N decision lines (default 200,000) in the shape `hotgate triage --format jsonl`
writes, with review states, then times: reading the file, computing the figures with polars,
and, as a baseline, counting hotfixes per release with a plain Python loop over json.loads.

    .venv/bin/python bench/bench_reports.py [N]
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hotgate.reports.decision_files import ReadTally, read_decisions
from hotgate.reports.figures import figures

VERDICTS = ["hotfix", "wait", "no-hotfix", "needs-info"]
STATES = [None, "approved", "deployed", "verified", "rolled-back", "rejected"]
COMPONENTS = [f"component-{i}" for i in range(40)]


def generate(path: Path, count: int, seed: int = 6) -> None:
    """Write `count` decision lines with random verdicts, states, releases and dates."""
    rng = random.Random(seed)
    with path.open("w") as handle:
        for n in range(count):
            month = 1 + n % 12
            release = f"v{month}.0"
            record = {
                "subject": {
                    "kind": "issue",
                    "key": f"jira:BENCH-{n}",
                    "title": f"Bug {n}",
                    "url": None,
                    "source": rng.choice(["github", "jira", "bugzilla"]),
                    "component": rng.choice(COMPONENTS),
                    "reported": f"2026-{month:02d}-01T08:00:00Z",
                },
                "verdict": rng.choice(VERDICTS),
                "criteria": [],
                "questions": [],
                "reasons": [],
                "release": {
                    "name": release,
                    "date": f"2026-{month:02d}-25",
                    "days_until": 5,
                    "kind": "release",
                },
                "risk": {"cost_of_waiting": 1.0, "risk_of_hotfix": 1.0},
                "as_of": f"2026-{month:02d}-{1 + rng.randrange(27):02d}",
                "policy": {"name": "default", "sha256": "0" * 64},
            }
            state = rng.choice(STATES)
            if state:
                record["review"] = {"state": state}
            handle.write(json.dumps(record) + "\n")


def baseline(path: Path) -> Counter[str]:
    """Hotfixes per release with json.loads and a Counter: the plain-Python way."""
    counts: Counter[str] = Counter()
    with path.open() as handle:
        for line in handle:
            record = json.loads(line)
            if (
                record["verdict"] == "hotfix"
                and (record.get("review") or {}).get("state") != "rejected"
            ):
                counts[(record.get("release") or {}).get("name", "-")] += 1
    return counts


def main() -> None:
    """Run the benchmark and print the figures."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "decisions.jsonl"
        generate(path, count)
        size = path.stat().st_size / 1e6
        start = time.perf_counter()
        frame = read_decisions(path, ReadTally())
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        data = figures(frame, budget=3)
        figures_s = time.perf_counter() - start
        start = time.perf_counter()
        counts = baseline(path)
        baseline_s = time.perf_counter() - start
    assert sum(counts.values()) == data["trouble"]["hotfixes"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"decisions: {count:,} ({size:.0f} MB of JSON Lines)")
    print(f"read file:        {read_s:.2f} s ({count / read_s:,.0f} decisions/s)")
    print(f"all figures:      {figures_s * 1000:.0f} ms ({count / figures_s:,.0f} decisions/s)")
    print(f"baseline (json.loads + Counter, one figure): {baseline_s:.2f} s")
    print(f"peak memory (RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
