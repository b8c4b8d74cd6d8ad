"""Generate N GitHub-REST issues whose text is sampled from the real exports, as JSON Lines.

Titles, bodies and labels come from the recorded trackers in ../shared/data/trackers/: the
webcompat GitHub issues (titles, bodies, labels), the Apache Hadoop Jira export (summaries,
descriptions, priorities) and the SeaMonkey Bugzilla export (summaries, descriptions). Each
issue takes a title from one real report and a body from another (sometimes two bodies joined,
sometimes cut short), so a million issues are varied text, not one filler repeated. Priorities
of the Jira and Bugzilla reports become labels the way a GitHub project would tag them. The
same seed gives the same file. Run:

    python bench/real_text.py 200000 bench/out/real_200000.jsonl
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import orjson

TRACKERS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "trackers"
JIRA_PRIORITY = {
    "Blocker": "priority-critical",
    "Critical": "priority-critical",
    "Major": "priority-important",
    "Minor": "priority-normal",
    "Trivial": "priority-normal",
}


def _csv_reports(path: Path, priorities: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (
                row["Summary"],
                row.get("Description") or "",
                [priorities[p]] if (p := row.get("Priority") or "") in priorities else [],
            )
            for row in csv.DictReader(handle)
            if row.get("Summary")
        ]


def real_reports(trackers: Path = TRACKERS) -> list[tuple[str, str, list[str]]]:
    """(title, body, labels) of every report in the recorded exports; SourceError-free.

    Raises FileNotFoundError when the exports are not at trackers.
    """
    reports: list[tuple[str, str, list[str]]] = []
    with (trackers / "github" / "webcompat_web-bugs_issues.jsonl").open("rb") as handle:
        for line in handle:
            issue = orjson.loads(line)
            labels = [label["name"] for label in issue.get("labels") or []]
            reports.append((issue["title"], issue.get("body") or "", labels))
    reports += _csv_reports(trackers / "jira" / "hadoop_jira_export.csv", JIRA_PRIORITY)
    seamonkey = {f"P{i}": f"P{i}" for i in range(1, 6)}
    reports += _csv_reports(trackers / "bugzilla" / "seamonkey_bugs.csv", seamonkey)
    return reports


def issue(number: int, rng: random.Random, reports: list[tuple[str, str, list[str]]]) -> dict:  # type: ignore[type-arg]
    """One issue object in the shape the GitHub REST API sends, its text from real reports."""
    title, _, labels = rng.choice(reports)
    body = rng.choice(reports)[1]
    if rng.random() < 0.25:  # a report with a second one pasted in (logs, a follow-up)
        body = body + "\n\n" + rng.choice(reports)[1]
    if rng.random() < 0.3:  # a short report: the first part only
        body = body[: rng.randrange(40, 600)]
    labels = list(labels) + [name for name in rng.choice(reports)[2] if rng.random() < 0.3]
    repo = "acme/web"
    return {
        "url": f"https://api.github.com/repos/{repo}/issues/{number}",
        "repository_url": f"https://api.github.com/repos/{repo}",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "id": 900_000_000 + number,
        "node_id": f"I_kw{number}",
        "number": number,
        "title": title[:200],
        "user": {"login": f"user{number % 997}", "id": number % 997, "type": "User"},
        "labels": [{"name": name} for name in dict.fromkeys(labels)],
        "state": "open",
        "comments": rng.randrange(0, 12),
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "body": body,
        "reactions": {"total_count": int(rng.paretovariate(1.5)) - 1},
    }


def generate(count: int, path: Path, seed: int = 11) -> Path:
    """Write `count` real-text issues to `path` as JSON Lines (unless it already holds them)."""
    if path.exists():
        return path
    rng = random.Random(seed)
    reports = real_reports()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as handle:
        for number in range(1, count + 1):
            handle.write(orjson.dumps(issue(number, rng, reports)) + b"\n")
    partial.rename(path)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(generate(args.count, args.out))
