"""Benchmark of the content lane: change requests decided in a batch, and check-diff on a big diff.

Run: python bench/bench_content_lane.py [--requests 20000] [--files 5000]

Figures: change requests per second in one batch, against a baseline of the same requests
decided one at a time (the web form's path); latency percentiles of a single request;
files per second through the content and fix lane gates on a generated patch; peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from datetime import date, timedelta

from hotgate.gate.diff import parse_patch
from hotgate.gate.lanes import check_content, check_fix
from hotgate.model import ChangeRequest
from hotgate.policy.changes.content_lane import decide_changes
from hotgate.policy.deciding.engine import Context, release_on
from hotgate.policy.definition.schema import load_policy

AS_OF = date(2026, 11, 23)
TITLES = [
    "New banner text for the {} sale on the homepage",
    "Add a tracking pixel script to the cart page for the {} campaign",
    "Holiday shipping deadline notice: order by {} for Christmas delivery",
    "The {} boots are sold out: set the stock level to zero",
    "Make the checkout button {}",
    "Lower the price of the {} jacket",
    "Product copy for the {} collection, from the product copy template",
    "Replace the expired {} hero image",
    "Refresh some things on the {} page",
]
WORDS = ["winter", "spring", "black friday", "alpine", "green", "storm", "orange", "summer"]


def requests(count: int, rng: random.Random) -> list[ChangeRequest]:
    """Realistic change requests: titles from a set of shapes, some with a date or a template."""
    made = []
    for i in range(count):
        title = rng.choice(TITLES).format(rng.choice(WORDS))
        needed = AS_OF + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.5 else None
        template = rng.choice([None, None, "promo-banner", "shipping-notice"])
        made.append(ChangeRequest(id=f"B-{i}", title=title, needed_by=needed, template=template))
    return made


def patch(files: int, rng: random.Random) -> str:
    """A unified diff touching content, code, templates, tests and lock files."""
    folders = ["content/banners", "data/stock", "src/shop", "site/checkout", "tests", "vendor/x"]
    parts = []
    for i in range(files):
        folder = rng.choice(folders)
        name = f"{folder}/f{i}" + rng.choice([".md", ".csv", ".py", ".js", ".html"])
        lines = rng.randint(1, 8)
        body = "".join(f"+line {n}\n" for n in range(lines))
        parts.append(
            f"diff --git a/{name} b/{name}\nindex 1111111..2222222 100644\n"
            f"--- a/{name}\n+++ b/{name}\n@@ -1,1 +1,{lines + 1} @@\n context\n{body}"
        )
    return "".join(parts)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    policy = load_policy()
    context = Context(AS_OF, release_on("next", AS_OF + timedelta(days=10), AS_OF))
    batch = requests(args.requests, rng)

    start, cpu = time.perf_counter(), time.process_time()
    decided = list(decide_changes(policy, batch, context))
    batch_seconds = time.perf_counter() - start
    batch_cpu = time.process_time() - cpu
    sample = batch[: min(2_000, len(batch))]
    latencies = []
    for change in sample:
        one = time.perf_counter()
        next(decide_changes(policy, [change], context))
        latencies.append((time.perf_counter() - one) * 1000)
    single_rate = len(sample) / (sum(latencies) / 1000)
    quantiles = statistics.quantiles(latencies, n=100)
    verdicts = {
        v: sum(d.verdict == v for d in decided)
        for v in ("hotfix", "wait", "no-hotfix", "needs-info")
    }

    text = patch(args.files, rng)
    start = time.perf_counter()
    changes = parse_patch(text, "bench.patch")
    parse_seconds = time.perf_counter() - start
    assert policy.changes is not None
    start = time.perf_counter()
    content = check_content(policy.changes, changes)
    fix = check_fix(policy.fix_lane, changes)
    gate_seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"change requests: {len(batch):,} in one batch: {batch_seconds:.2f} s "
        f"= {len(batch) / batch_seconds:,.0f}/s (CPU {batch_cpu:.2f} s); verdicts {verdicts}"
    )
    print(
        f"baseline, one at a time ({len(sample):,}): {single_rate:,.0f}/s; latency "
        f"p50 {quantiles[49]:.2f} ms, p95 {quantiles[94]:.2f} ms, p99 {quantiles[98]:.2f} ms"
    )
    print(
        f"patch of {len(changes):,} files ({len(text) / 1e6:.1f} MB): parsed in "
        f"{parse_seconds:.2f} s; both gates in {gate_seconds:.2f} s "
        f"= {2 * len(changes) / gate_seconds:,.0f} files/s; content refusals "
        f"{len(content.refusals):,}, fix refusals {len(fix.refusals):,}"
    )
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
