"""Benchmark the learned reader: reports per second for scores and top terms, and peak memory.

Texts are what the reader reads (title, a newline, the first 2,000 characters of the body) from
two corpora: generated issues (bench/generate.py, as bench_triage.py uses) and the real exports
in ../shared/data (the labelled training reports, the Hadoop Jira and SeaMonkey Bugzilla CSV
exports, the webcompat GitHub issues), sampled with a fixed seed. Beside the reader it measures,
on the same texts in the same run, the baseline of merely tokenising them with polars
(`str.to_lowercase().str.extract_all(token_pattern)`). Each measure runs in a child process of
its own, so its peak memory (resident set, from the kernel) is its own; times are the best of
--repeats runs, wall and CPU. The reader reads slices of a batch on polars' thread pool;
"scores, one thread" is the same with POLARS_MAX_THREADS=1. Run:

    python bench/bench_text_model.py --sizes 20000 100000
    python bench/bench_text_model.py --before /work/main/src   # also the code at that path

With --before, the scores and the one-report-at-a-time top terms of that source tree are
measured too (its `top_terms` per text, as decisions were explained before the columnar one).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

OUT = Path(__file__).parent / "out"
ROOT = Path(__file__).resolve().parent.parent
SHARED = next(
    (p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
    ROOT.parent / "shared" / "data",
)
READ_CHARACTERS = 2_000  # as hotgate.policy.reading.reader reads a report


def _text(title: pl.Expr, body: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [title, body.str.slice(0, READ_CHARACTERS)], separator="\n", ignore_nulls=True
    ).alias("text")


def generated_texts(size: int) -> pl.Series:
    """The reader's text of the first `size` generated issues (generated once, 100,000 max)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from generate import generate

    path = generate(100_000, OUT / "issues_100000.jsonl")
    issues = pl.read_ndjson(
        path, schema={"title": pl.String, "body": pl.String}, n_rows=size, ignore_errors=True
    )
    return issues.select(_text(pl.col("title"), pl.col("body"))).to_series()


def real_texts(size: int) -> pl.Series:
    """`size` reports sampled (seed 1) from the real exports in ../shared/data."""
    training = pl.read_parquet(
        SHARED / "training" / "bug_severity_public.parquet", columns=["summary", "description"]
    )
    parts = [training.select(_text(pl.col("summary"), pl.col("description")))]
    for path in [
        SHARED / "trackers" / "jira" / "hadoop_jira_export.csv",
        SHARED / "trackers" / "bugzilla" / "seamonkey_bugs.csv",
    ]:
        export = pl.read_csv(path, infer_schema=False)
        parts.append(export.select(_text(pl.col("Summary"), pl.col("Description"))))
    webcompat = pl.read_ndjson(
        SHARED / "trackers" / "github" / "webcompat_web-bugs_issues.jsonl",
        schema={"title": pl.String, "body": pl.String},
        ignore_errors=True,
    )
    parts.append(webcompat.select(_text(pl.col("title"), pl.col("body"))))
    pool = pl.concat(parts).to_series()
    return pool.sample(size, seed=1, with_replacement=size > pool.len())


def _measure(corpus: str, size: int, what: str, repeats: int) -> dict[str, float]:
    """In the child: load the texts, then time `what` on them (best wall and CPU seconds)."""
    from hotgate.policy.reading.text_model import TextModel

    texts = generated_texts(size) if corpus == "generated" else real_texts(size)
    model = TextModel.bundled()
    actions: dict[str, Callable[[pl.Series], object]] = {
        "load only": lambda t: t.len(),
        "tokenise only (polars extract_all)": lambda t: t.str.to_lowercase().str.extract_all(
            model.token_pattern
        ),
        "scores": model.scores,
        "scores, one thread": model.scores,  # run with POLARS_MAX_THREADS=1
        "top terms (column)": lambda t: model.top_terms_column(t, 3),
        "scores and top terms": lambda t: model.scores_and_top_terms(t, 3),
        "top terms (one report at a time)": lambda t: [
            model.top_terms(text, 3) for text in t.fill_null("").to_list()
        ],
    }
    action = actions[what]
    action(texts.head(50))  # warm: a first call pays for imports and the bundled model
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        action(texts)
        wall = min(wall, time.perf_counter() - start_wall)
        cpu = min(cpu, time.process_time() - start_cpu)
    return {"wall": wall, "cpu": cpu, "bytes": float(texts.str.len_bytes().sum() or 0)}


def _child(source: Path, corpus: str, size: int, what: str, repeats: int) -> dict[str, float]:
    """Run one measure in a child process; its result with its peak resident memory (MiB)."""
    command = [sys.executable, __file__, "--child", corpus, str(size), what, str(repeats)]
    environment = {**os.environ, "PYTHONPATH": str(source)}
    if what.endswith("one thread"):
        environment["POLARS_MAX_THREADS"] = "1"
    child = subprocess.Popen(command, stdout=subprocess.PIPE, env=environment)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"measure failed: {corpus} {size} {what} ({source})")
    return {**json.loads(output), "peak": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--corpora", nargs="+", default=["generated", "real"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another source tree to measure too")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        corpus, size, what, repeats = args.child
        print(json.dumps(_measure(corpus, int(size), what, int(repeats))))
        return
    here = ROOT / "src"
    plan: list[tuple[str, Path, str]] = [
        ("this tree", here, "load only"),
        ("this tree", here, "tokenise only (polars extract_all)"),
        ("this tree", here, "scores"),
        ("this tree", here, "scores, one thread"),
        ("this tree", here, "top terms (column)"),
        ("this tree", here, "scores and top terms"),
    ]
    if args.before:
        plan += [
            ("before", args.before, "scores"),
            ("before", args.before, "top terms (one report at a time)"),
        ]
    rows = []
    for corpus in args.corpora:
        for size in args.sizes:
            for tree, source, what in plan:
                if "one report at a time" in what and size > 20_000:
                    continue  # minutes at 0.45 ms a report; the 20,000 figure says enough
                result = _child(source, corpus, size, what, args.repeats)
                rate = f"{size / result['wall']:,.0f}" if what != "load only" else "-"
                rows.append(
                    f"| {corpus} | {size:,} | {result['bytes'] / 2**20:,.0f} MiB | {tree} | "
                    f"{what} | {rate} | {result['wall']:.3f} s | {result['cpu']:.3f} s | "
                    f"{result['peak']:,.0f} MiB |"
                )
                print(rows[-1], flush=True)
    load = os.getloadavg()[0]
    report = "\n".join(
        [
            f"Load average at the end: {load:.2f} (2 cores); best of {args.repeats} runs.",
            "",
            "| corpus | reports | text | code | measure | reports/s | wall | CPU | peak memory |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(report)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results_text_model.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
