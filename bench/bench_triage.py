"""Benchmark `hotgate triage` on every path: each output format and recording in each store.

For every input (the project's generator, and real text sampled from the recorded trackers by
bench/real_text.py) and every size, it times in the same run the parse floor (orjson over the
same file, line by line) and then `hotgate triage` in a child process: each --format with
--no-record, and --format jsonl recording into SQLite and into PostgreSQL. Each line gives the
wall time, issues per second, the ratio to the parse floor and the peak resident memory of the
command together with the worker processes it starts (sampled every 50 ms). PostgreSQL
(127.0.0.1:5432, user postgres, database hotgate_bench made afresh) is skipped with the reason
when it does not answer. Run:

    python bench/bench_triage.py --sizes 20000 100000 --formats jsonl csv --inputs real

Files are generated once under bench/out/ (about 1.35 GB for 1M generated issues).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psutil

sys.path.insert(0, str(Path(__file__).parent))
import generate
import real_text

OUT = Path(__file__).parent / "out"
FORMATS = ["table", "csv", "jsonl", "json"]
INPUTS: dict[str, Callable[[int, Path], Path]] = {
    "generated": generate.generate,
    "real": real_text.generate,
}
STORES = ["none", "sqlite", "postgres"]
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
POSTGRES_DB = "hotgate_bench"
AS_OF = "2026-11-23"


def parse_orjson(path: Path) -> float:
    """The parse floor: seconds to parse every line with orjson and do nothing else."""
    start = time.perf_counter()
    with path.open("rb") as handle:
        for line in handle:
            orjson.loads(line)
    return time.perf_counter() - start


def postgres_problem() -> str | None:
    """Why the benchmark's PostgreSQL database cannot be made afresh, or None once it is."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(
            f"{POSTGRES_SERVER}/postgres",
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 3},
        )
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {POSTGRES_DB}"))
            connection.execute(text(f"CREATE DATABASE {POSTGRES_DB}"))
        engine.dispose()
    except Exception as exc:  # any failure to reach the server is a reason to skip, printed
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def triage(path: Path, fmt: str, store: str) -> tuple[float, float]:
    """Run the real command line in a child process: wall seconds and its peak memory (MiB)."""
    if store == "sqlite":
        (OUT / "bench.db").unlink(missing_ok=True)
        recording = ["--db", f"sqlite:///{OUT / 'bench.db'}"]
    elif store == "postgres":
        problem = postgres_problem()  # a fresh database for every run
        if problem:
            raise RuntimeError(problem)
        recording = ["--db", f"{POSTGRES_SERVER}/{POSTGRES_DB}"]
    else:
        recording = ["--no-record"]
    command = [sys.executable, "-m", "hotgate", "triage", str(path), "--format", fmt]
    command += ["--out", os.devnull, "--as-of", AS_OF, *recording]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    peak = tree_peak(child)
    elapsed = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"hotgate triage {fmt} ({store}) failed on {path}")
    return elapsed, peak / 2**20


def tree_peak(child: subprocess.Popen[bytes], every: float = 0.05) -> int:
    """Wait for the child; the peak of its resident memory together with the processes it
    started (the workers that build decision documents), in bytes, sampled every 50 ms."""
    root = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        total = 0
        try:
            for process in [root, *root.children(recursive=True)]:
                total += process.memory_info().rss
        except psutil.Error:  # a process ended while it was being read
            pass
        peak = max(peak, total)
        time.sleep(every)
    return peak


def latency(path: Path, samples: int = 300) -> dict[str, float]:
    """Milliseconds to decide one subject at a time (the assess path), as percentiles."""
    from datetime import date

    from hotgate.policy.deciding.engine import Context
    from hotgate.policy.definition.schema import load_policy
    from hotgate.service import decide_issue
    from hotgate.sources.base import Origin
    from hotgate.sources.reader import read_record

    policy, context = load_policy(), Context(as_of=date.fromisoformat(AS_OF))
    timings = []
    with path.open("rb") as handle:
        for _, line in zip(range(samples), handle, strict=False):
            record = orjson.loads(line)
            start = time.perf_counter()
            issue = read_record(record, "bench", Origin())
            decide_issue(issue, policy, context)  # type: ignore[arg-type]
            timings.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(timings, n=100)
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=FORMATS)
    parser.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS))
    parser.add_argument(
        "--store",
        nargs="+",
        choices=STORES,
        default=STORES,
        help="none: each format without recording; sqlite, postgres: jsonl recorded there.",
    )
    args = parser.parse_args()
    lines = [
        "| input | issues | path | wall | issues/s | × parse floor | peak memory |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for name in args.inputs:
        for size in args.sizes:
            path = INPUTS[name](size, OUT / f"{name}_{size}.jsonl")
            floor = parse_orjson(path)
            mib = path.stat().st_size / 2**20
            lines.append(
                f"| {name} | {size:,} | parse floor (orjson, {mib:,.0f} MiB) | {floor:.1f} s | "
                f"{size / floor:,.0f} | 1.0 | |"
            )
            runs = [(fmt, "none") for fmt in args.formats if "none" in args.store]
            runs += [("jsonl", store) for store in args.store if store != "none"]
            for fmt, store in runs:
                label = f"--format {fmt}" + (f" recorded in {store}" if store != "none" else "")
                try:
                    seconds, peak = triage(path, fmt, store)
                except RuntimeError as exc:
                    notes.append(f"{label} on {name} {size:,}: skipped, PostgreSQL: {exc}")
                    continue
                lines.append(
                    f"| {name} | {size:,} | {label} | {seconds:.1f} s | {size / seconds:,.0f} | "
                    f"{seconds / floor:.1f} | {peak:,.0f} MiB |"
                )
                print(lines[-1], flush=True)
    first = OUT / f"{args.inputs[0]}_{args.sizes[0]}.jsonl"
    lat = latency(first)
    notes.append(
        f"One subject at a time (assess path, {first.name}): p50 {lat['p50']:.2f} ms, "
        f"p95 {lat['p95']:.2f} ms, p99 {lat['p99']:.2f} ms."
    )
    load = os.getloadavg()
    notes.append(f"Load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.")
    report = "\n".join([*lines, "", *notes])
    print(report)
    OUT.mkdir(exist_ok=True)
    (OUT / "results_triage.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
