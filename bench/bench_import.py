"""Import throughput and peak memory of hotgate's file readers, beside plain parsing.

    python bench/bench_import.py [--sizes 100000 1000000] [--dir /tmp/hotgate-bench]

Generates a GitHub-shaped JSON Lines file and a Jira-CSV-shaped file (multi-line quoted
descriptions, `30/Sep/21 17:20` dates) of each size, then reads each in a fresh process:
hotgate's reader (every record into a validated Issue) and the baseline (orjson per line, or
the csv module, with no Issue built). Peak memory is the process's maximum resident set;
"flat" means it does not grow with the file.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson

WORDS = [
    "checkout",
    "crash",
    "page",
    "user",
    "error",
    "login",
    "banner",
    "price",
    "always",
    "every",
    "only",
    "when",
    "cart",
]


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_jsonl(path: Path, size: int) -> None:
    """GitHub REST issues, one per line."""
    rng = random.Random(1)
    with path.open("wb") as out:
        for n in range(1, size + 1):
            record = {
                "url": f"https://api.github.com/repos/acme/shop/issues/{n}",
                "html_url": f"https://github.com/acme/shop/issues/{n}",
                "node_id": f"I_{n}",
                "number": n,
                "title": _text(rng, 6),
                "body": _text(rng, 40),
                "labels": [{"name": rng.choice(["bug", "severity-critical", "priority-low"])}],
                "state": "open",
                "comments": rng.randint(0, 20),
                "reactions": {"total_count": rng.randint(0, 30)},
                "created_at": "2024-05-01T10:00:00Z",
                "updated_at": "2024-05-02T10:00:00Z",
            }
            out.write(orjson.dumps(record) + b"\n")


def make_jira_csv(path: Path, size: int) -> None:
    """Jira's CSV export: repeated columns, multi-line quoted descriptions, Jira dates."""
    rng = random.Random(2)
    header = [
        "Summary",
        "Issue key",
        "Issue id",
        "Issue Type",
        "Status",
        "Priority",
        "Resolution",
        "Created",
        "Updated",
        "Affects Version/s",
        "Labels",
        "Labels",
        "Description",
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(1, size + 1):
            writer.writerow(
                [
                    _text(rng, 6),
                    f"SHOP-{n}",
                    100000 + n,
                    "Bug",
                    "Open",
                    rng.choice(["Blocker", "Critical", "Major", "Minor", "Trivial"]),
                    "",
                    "30/Sep/21 17:20",
                    "01/Oct/21 09:05",
                    "4.1",
                    "regression",
                    "login",
                    f'{_text(rng, 15)}\n\n"Steps":\n1. {_text(rng, 10)}\n2. {_text(rng, 10)}',
                ]
            )


def measure(kind: str, path: str) -> dict[str, float]:
    """Read a file one way, in this process; count records, time and peak memory."""
    start = time.perf_counter()
    count = 0
    if kind == "hotgate":
        from hotgate.model import Issue
        from hotgate.sources.reader import read_items

        for item in read_items(path):
            count += isinstance(item, Issue)
    elif path.endswith(".jsonl"):
        with open(path, "rb") as handle:
            for line in handle:
                orjson.loads(line)
                count += 1
    else:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for _row in reader:
                count += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"count": count, "seconds": seconds, "peak_mb": peak}


def main() -> None:
    """Generate the files, measure each reader in a fresh process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/hotgate-bench"))
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    print("| file | issues | reader | issues/s | peak memory (MB) |")
    print("|---|---:|---|---:|---:|")
    for size in args.sizes:
        for suffix, make in ((".jsonl", make_jsonl), (".csv", make_jira_csv)):
            path = args.dir / f"issues-{size}{suffix}"
            if not path.exists():
                make(path, size)
            for kind in ("baseline", "hotgate"):
                found = subprocess.run(
                    [sys.executable, __file__, "--measure", kind, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                result = json.loads(found.stdout)
                assert result["count"] == size, result
                name = (
                    "hotgate"
                    if kind == "hotgate"
                    else ("orjson per line" if suffix == ".jsonl" else "csv module")
                )
                print(
                    f"| {'GitHub JSON Lines' if suffix == '.jsonl' else 'Jira CSV'} | {size:,} "
                    f"| {name} | {size / result['seconds']:,.0f} | {result['peak_mb']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
