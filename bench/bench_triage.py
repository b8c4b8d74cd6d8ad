"""Benchmark `hotgate triage`: issues per second, peak memory and one-subject latency.

Beside the full decision it measures, on the same file, the time to merely parse it (orjson
line by line, and polars reading the columns hotgate reads) as the baseline. Run:

    python bench/bench_triage.py --sizes 100000 1000000

Files are generated once under bench/out/ by bench/generate.py (about 1.35 GB for 1M issues).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import orjson
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy
from hotgate.service import decide_issue
from hotgate.sources.base import Origin
from hotgate.sources.github import GitHubFormat
from hotgate.sources.reader import read_record

OUT = Path(__file__).parent / "out"


def parse_orjson(path: Path) -> int:
    """Baseline 1: parse every line with orjson and do nothing else."""
    count = 0
    with path.open("rb") as handle:
        for line in handle:
            orjson.loads(line)
            count += 1
    return count


def parse_polars(path: Path) -> int:
    """Baseline 2: read the fields hotgate reads as columns, in the same 16 MB blocks."""
    count = 0
    with path.open("rb") as handle:
        pending = b""
        while block := handle.read(16 * 1024 * 1024):
            data = pending + block
            cut = data.rfind(b"\n") + 1
            frame = pl.read_ndjson(io.BytesIO(data[:cut]), schema=GitHubFormat.raw_schema)
            count += frame.height
            pending = data[cut:]
    return count


def triage(path: Path, record: bool = False) -> tuple[float, float]:
    """Run the real command line in a child process: wall seconds and its peak memory (MiB)."""
    store = ["--db", f"sqlite:///{OUT / 'bench.db'}"] if record else ["--no-record"]
    (OUT / "bench.db").unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "hotgate",
        "triage",
        str(path),
        "--format",
        "csv",
        "--out",
        os.devnull,
    ]
    start = time.perf_counter()
    child = subprocess.Popen([*command, "--as-of", "2026-11-23", *store])
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status:
        raise SystemExit(f"hotgate triage failed on {path}")
    return elapsed, usage.ru_maxrss / 1024


def latency(path: Path, samples: int = 500) -> dict[str, float]:
    """Milliseconds to decide one subject at a time (the assess path), as percentiles."""
    policy, context, fmt = load_policy(), Context(as_of=date(2026, 11, 23)), GitHubFormat()
    timings = []
    with path.open("rb") as handle:
        for _, line in zip(range(samples), handle, strict=False):
            record = orjson.loads(line)
            start = time.perf_counter()
            issue = read_record(record, "bench", Origin())
            assert fmt.matches(record)
            decide_issue(issue, policy, context)  # type: ignore[arg-type]
            timings.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def timed(action: object, path: Path) -> float:
    start = time.perf_counter()
    action(path)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        path = generate(size, OUT / f"issues_{size}.jsonl")
        orjson_s = timed(parse_orjson, path)
        polars_s = timed(parse_polars, path)
        triage_s, peak = triage(path)
        rows.append(
            f"| {size:,} | {path.stat().st_size / 2**20:,.0f} MiB | {size / orjson_s:,.0f} | "
            f"{size / polars_s:,.0f} | {size / triage_s:,.0f} | {triage_s:.1f} s | "
            f"{peak:,.0f} MiB |"
        )
    first = OUT / f"issues_{args.sizes[0]}.jsonl"
    recorded_s, recorded_peak = triage(first, record=True)
    lat = latency(first)
    report = "\n".join(
        [
            "| issues | file | parse only, orjson (issues/s) | parse only, polars (issues/s) | "
            "triage (issues/s) | triage wall time | triage peak memory |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Deciding and recording the {args.sizes[0]:,} decisions (with their evidence) in "
            f"SQLite: {recorded_s:.1f} s ({args.sizes[0] / recorded_s:,.0f} issues/s), "
            f"peak memory {recorded_peak:,.0f} MiB.",
            "",
            f"One subject at a time (assess path): p50 {lat['p50']:.2f} ms, "
            f"p95 {lat['p95']:.2f} ms, p99 {lat['p99']:.2f} ms",
        ]
    )
    print(report)
    (OUT / "results_triage.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
