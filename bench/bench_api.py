"""Benchmark POST /api/v1/assess on loopback beside a bare FastAPI endpoint, and bulk recording.

Run: .venv/bin/python bench/bench_api.py [--seconds 20] [--rate 100] [--record 100000]
     [--text real|generated] [--runs 3] [--servers baseline hotgate] [--connections 8]
(`--runs 0 --record 100000` records only; `--help` says what each option does.)

- The server is uvicorn with one worker, in its own process; the load generator is open-loop
  at a fixed rate (latency counted from when each request was due, so a slow server cannot
  hide its queue), then closed-loop with several connections for the maximum rate.
- The fixed-rate runs are repeated (`--runs`), the two servers taking turns, and each run's p99
  is printed with their median: on a shared 2-core machine one run's p99 can be several times
  another's with the same code.
- The request bodies are GitHub issues whose titles, bodies and labels are sampled from the real
  exports (`--text real`, the default: `real_text.py`), or generated: 150 words drawn from a
  26-word vocabulary (`--text generated`).
- The baseline is a bare FastAPI endpoint in the same server setup that parses the same JSON
  body and answers a small JSON object.
- Bulk recording: whole decisions for N generated issues, built in batches and recorded into
  a new SQLite file as `hotgate triage --db` does; the time counts only the recording.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import orjson
from fastapi import FastAPI, Request

WORDS = [
    "page",
    "checkout",
    "login",
    "cart",
    "search",
    "button",
    "image",
    "video",
    "menu",
    "header",
    "footer",
    "account",
    "profile",
    "order",
    "payment",
    "shipping",
    "banner",
    "text",
    "layout",
    "font",
    "scroll",
    "click",
    "load",
    "render",
    "mobile",
    "desktop",
]
SYMPTOMS = [
    "crashes on every page load",
    "shows an error for every user",
    "is slow when the list is long",
    "has a typo in the footer",
    "looks wrong on one old phone",
    "loses the order when saved",
    "never finishes loading",
    "works after a refresh",
]


def generated_issue(number: int, rng: random.Random) -> dict[str, Any]:
    """A GitHub issue object with varied words, about 1-2 kB like real reports."""
    topic = " ".join(rng.sample(WORDS, 3))
    symptom = rng.choice(SYMPTOMS)
    body = f"Steps: open the {topic}. Result: it {symptom}. " + " ".join(rng.choices(WORDS, k=150))
    return {
        "number": number,
        "node_id": f"I_{number}",
        "html_url": f"https://github.com/acme/shop/issues/{number}",
        "repository_url": "https://api.github.com/repos/acme/shop",
        "title": f"The {topic} {symptom}",
        "body": body,
        "labels": [{"name": rng.choice(["bug", "severity-critical", "severity-minor", "typo"])}],
        "state": "open",
        "comments": rng.randint(0, 40),
        "reactions": {"total_count": rng.randint(0, 50)},
        "user": {"login": "someone"},
    }


def request_bodies(text: str, count: int = 2000) -> list[bytes]:
    """`count` request bodies: GitHub issues with real text (real_text.py) or generated words."""
    rng = random.Random(1)
    if text == "real":
        from real_text import issue, real_reports

        reports = real_reports()
        return [orjson.dumps(issue(n, rng, reports)) for n in range(1, count + 1)]
    return [orjson.dumps(generated_issue(n, rng)) for n in range(1, count + 1)]


# --- the servers ------------------------------------------------------------------------------


def baseline_app() -> Any:
    """A bare FastAPI endpoint: parse the JSON body, answer a small JSON object."""
    app = FastAPI()

    @app.post("/api/v1/assess")
    async def bare(request: Request) -> dict[str, Any]:
        """Parse the body and answer."""
        document = orjson.loads(await request.body())
        return {"verdict": "hotfix", "key": document.get("number")}

    return app


def serve(kind: str, port: int, database: str) -> None:
    """Run one server (baseline or hotgate) with one uvicorn worker."""
    import uvicorn

    if kind == "baseline":
        app = baseline_app()
    else:
        from hotgate.api import Settings, create_app

        app = create_app(Settings(database_url=database), own_process=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(kind: str, database: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port), "--database", database]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(
                f"{url}/api/v1/assess",
                content=orjson.dumps(generated_issue(0, random.Random(0))),
                timeout=5,
            )
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


# --- the load generator -----------------------------------------------------------------------


def _summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        """The p-th quantile in milliseconds."""
        return (
            ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000
            if ordered
            else float("nan")
        )

    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": len(ordered) / elapsed,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": ordered[-1] * 1000 if ordered else 0,
        "mean_ms": statistics.fmean(ordered) * 1000 if ordered else float("nan"),
    }


async def fixed_rate(
    url: str, bodies: list[bytes], rate: float, seconds: float
) -> dict[str, float]:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        total = int(rate * seconds)

        async def one(i: int, due: float) -> None:
            """Send request i and note its latency from when it was due."""
            nonlocal errors
            answer = await client.post(
                "/api/v1/assess",
                content=bodies[i % len(bodies)],
                headers={"content-type": "application/json"},
            )
            if answer.status_code != 200:
                errors += 1
            latencies.append(time.perf_counter() - due)

        tasks = []
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return _summary(latencies, errors, elapsed)


async def max_rate(
    url: str, bodies: list[bytes], connections: int, seconds: float
) -> dict[str, float]:
    """Closed loop: each connection sends its next request when the last one is answered."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def worker(offset: int) -> None:
            """Send requests one after another until the time is up."""
            nonlocal errors
            i = offset
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                answer = await client.post(
                    "/api/v1/assess",
                    content=bodies[i % len(bodies)],
                    headers={"content-type": "application/json"},
                )
                latencies.append(time.perf_counter() - sent)
                errors += answer.status_code != 200
                i += connections

        start = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.perf_counter() - start
    return _summary(latencies, errors, elapsed)


# --- bulk recording ---------------------------------------------------------------------------


def bulk_recording(count: int) -> dict[str, float]:
    """Time recording `count` whole decisions of generated issues into a new SQLite file.

    As `hotgate triage --db` records them: documents built over each batch's columns, turned
    into rows with their evidence packed for SQLite (`store.document_rows(..., pack=True)`; in
    a run the builder processes do both), then recorded in one transaction. Only
    `store.record_rows` and the commit are timed; issues are generated and decided 10,000 at a
    time, so memory stays bounded.
    """
    from hotgate import store
    from hotgate.policy.deciding.calendar import context_from_options
    from hotgate.policy.deciding.columns import decision_documents
    from hotgate.policy.deciding.engine import evaluate
    from hotgate.policy.definition.schema import load_policy
    from hotgate.policy.reading.signals import issues_frame
    from hotgate.sources.base import Origin, format_named

    github = format_named("github")
    policy = load_policy(None)
    context = context_from_options(date(2026, 11, 1), None)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        store.upgrade(url)
        engine = store.make_engine(url)
        for run in ("first run (empty store)", "second run (every key known)"):
            rng = random.Random(7)  # the same issues in both runs
            seconds, inserted = 0.0, 0
            session = store.session_factory(engine)()
            for start in range(1, count + 1, 10_000):
                numbers = range(start, min(count, start + 9_999) + 1)
                issues = [github.to_issue(generated_issue(n, rng), Origin()) for n in numbers]
                frame = evaluate(policy, issues_frame(issues), context)  # type: ignore[arg-type]
                documents = decision_documents(policy, frame, context)
                rows = store.document_rows(documents, pack=True)
                started = time.perf_counter()
                inserted += store.record_rows(session, rows).inserted
                seconds += time.perf_counter() - started
            started = time.perf_counter()
            session.commit()
            seconds += time.perf_counter() - started
            session.close()
            results[f"{run}: seconds"] = seconds
            results[f"{run}: decisions/s"] = inserted / seconds
        engine.dispose()
        results["database MB"] = (Path(folder) / "bench.db").stat().st_size / 1e6
    results["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _table(title: str, rows: dict[str, dict[str, float]]) -> str:
    keys = ["rps", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors"]
    lines = [f"\n{title}", "| run | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, row in rows.items():
        lines.append(
            f"| {name} | "
            + " | ".join(f"{row[k]:.1f}" if k != "errors" else str(int(row[k])) for k in keys)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print Markdown tables."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    # Internal: how the benchmark starts each server in a child process.
    parser.add_argument("--serve", choices=["baseline", "hotgate"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    parser.add_argument(
        "--seconds",
        type=float,
        default=20,
        help="length of each fixed-rate run; the max-rate run takes half (after a 3 s warm-up)",
    )
    parser.add_argument("--rate", type=float, default=100, help="requests a second, fixed rate")
    parser.add_argument(
        "--connections", type=int, default=8, help="connections for the max-rate run"
    )
    parser.add_argument(
        "--record", type=int, default=100_000, help="decisions to record in bulk (0: skip)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="fixed-rate runs per server, taken in turns (0: skip the API, record only)",
    )
    parser.add_argument(
        "--text",
        choices=["real", "generated"],
        default="real",
        help="request bodies sampled from the real exports, or generated: 150 words drawn "
        "from a 26-word vocabulary",
    )
    parser.add_argument(
        "--servers",
        nargs="+",
        default=["baseline", "hotgate"],
        choices=["baseline", "hotgate"],
        help="which servers to measure (the ratio line needs both)",
    )
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port, options.database)
        return
    if options.runs > 0:
        api(options)
    if options.record:
        print(f"\nBulk recording of {options.record:,} decisions into SQLite")
        for name, value in bulk_recording(options.record).items():
            print(f"- {name}: {value:,.1f}")


def api(options: argparse.Namespace) -> None:
    """The fixed-rate runs and the max-rate run, printed as a Markdown table and summary lines."""
    bodies = request_bodies(options.text)
    rows: dict[str, dict[str, float]] = {}
    p99: dict[str, list[float]] = {kind: [] for kind in options.servers}
    with tempfile.TemporaryDirectory() as folder:
        # Both servers run throughout (the idle one costs nothing); the fixed-rate runs take
        # turns, so a slow minute on this machine falls on both alike.
        started = {k: _start(k, f"sqlite:///{Path(folder) / k}.db") for k in options.servers}
        try:
            for _, url in started.values():
                asyncio.run(fixed_rate(url, bodies, options.rate, 3))  # warm up
            for run in range(1, options.runs + 1):
                for kind, (_, url) in started.items():
                    row = asyncio.run(fixed_rate(url, bodies, options.rate, options.seconds))
                    rows[f"{kind} at {options.rate:.0f} req/s, run {run}"] = row
                    p99[kind].append(row["p99_ms"])
            for kind, (_, url) in started.items():
                rows[f"{kind} at max rate ({options.connections} connections)"] = asyncio.run(
                    max_rate(url, bodies, options.connections, options.seconds / 2)
                )
        finally:
            for process, _ in started.values():
                process.terminate()
                process.wait(timeout=30)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"request bodies: {options.text} text")
    print(_table("POST /api/v1/assess on loopback, one uvicorn worker (latency in ms)", rows))
    for kind, values in p99.items():
        print(
            f"- {kind}: p99 per run {', '.join(f'{v:.1f}' for v in values)} ms; "
            f"median {statistics.median(values):.1f} ms"
        )
    if set(p99) == {"baseline", "hotgate"}:
        ratios = [h / b for h, b in zip(p99["hotgate"], p99["baseline"], strict=True)]
        print(
            f"- hotgate's p99 against the bare endpoint's, run by run: "
            f"{', '.join(f'{r:.1f}x' for r in ratios)}"
        )


if __name__ == "__main__":
    main()
