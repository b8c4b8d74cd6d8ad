"""How hotgate's decisions look on real backlogs: verdict shares, questions, and by priority.

For each real export in ../shared/data/trackers/ it prints:
- the share of each verdict;
- the questions asked per needs-info decision (mean and most);
- the verdicts by the tracker's own priority or severity.

Targets (issue "Decisions that hold on real bug reports"): needs-info under 20% of each export;
a hotfix share no larger than the share of the tracker's own top priorities; more hotfixes
among the top priorities than among the lowest; never more than three questions. Run:

    python bench/decision_quality.py [--as-of 2026-11-23] [--policy FILE] [--format json]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import polars as pl

from hotgate.policy.deciding.engine import Context
from hotgate.policy.definition.schema import load_policy
from hotgate.service import Tally, evaluated_batches
from hotgate.sources.reader import read_items

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "trackers"
EXPORTS = {
    "hadoop (Jira CSV)": DATA / "jira" / "hadoop_jira_export.csv",
    "seamonkey (Bugzilla CSV)": DATA / "bugzilla" / "seamonkey_bugs.csv",
    "webcompat (GitHub JSON Lines)": DATA / "github" / "webcompat_web-bugs_issues.jsonl",
}
# The tracker's own top and bottom levels, lower-cased, as each export writes them.
TOP = {"blocker", "critical", "p1", "highest", "s1"}
BOTTOM = {"minor", "trivial", "p4", "p5", "low", "lowest", "s4"}


def measure(path: Path, context: Context, policy_path: str | None) -> dict[str, object]:
    """The figures for one export: shares, questions, and verdicts by the tracker's level."""
    policy = load_policy(policy_path)
    tally = Tally()
    frames = list(evaluated_batches(read_items(str(path)), policy, context, tally))
    decided = pl.concat(frames)
    level = pl.coalesce(
        pl.col("priority_raw"), pl.col("severity_raw"), pl.col("_labels_level")
    ).str.to_lowercase()
    decided = decided.with_columns(
        _labels_level=pl.col("priority_level").fill_null(pl.col("severity_level"))
    ).with_columns(level=level.fill_null("(none)"))
    asked = decided.filter(pl.col("verdict") == "needs-info").select(
        pl.col("_ask").map_elements(lambda m: bin(m).count("1"), return_dtype=pl.Int64)
    )
    n = decided.height
    shares = {v: round(c / n, 3) for v, c in decided["verdict"].value_counts(sort=True).iter_rows()}
    top = decided.filter(pl.col("level").is_in(TOP))
    bottom = decided.filter(pl.col("level").is_in(BOTTOM))
    by_level = (
        decided.group_by("level", "verdict")
        .len()
        .pivot(on="verdict", index="level", values="len")
        .fill_null(0)
        .sort("level")
    )
    return {
        "issues": n,
        "skipped": len(tally.skipped),
        "shares": shares,
        "questions_per_needs_info": round(float(asked.to_series().mean() or 0.0), 2),
        "most_questions": int(asked.to_series().max() or 0),
        "top_priority_share": round(top.height / n, 3),
        "hotfix_share_top": round((top["verdict"] == "hotfix").mean() or 0.0, 3)
        if top.height
        else None,
        "hotfix_share_bottom": round((bottom["verdict"] == "hotfix").mean() or 0.0, 3)
        if bottom.height
        else None,
        "by_level": by_level.to_dicts(),
    }


def main() -> int:
    """Print the figures for every export; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-11-23")
    parser.add_argument("--policy", default=None)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args()
    context = Context(as_of=date.fromisoformat(args.as_of))
    results = {name: measure(path, context, args.policy) for name, path in EXPORTS.items()}
    missed = []
    for name, got in results.items():
        shares = got["shares"]
        assert isinstance(shares, dict)
        if shares.get("needs-info", 0) >= 0.2:
            missed.append(f"{name}: needs-info {shares['needs-info']:.0%} (target under 20%)")
        top = got["top_priority_share"]
        assert isinstance(top, float)
        if top and shares.get("hotfix", 0) > top:
            missed.append(f"{name}: hotfix share {shares['hotfix']:.1%} above top {top:.1%}")
        if int(str(got["most_questions"])) > 3:
            missed.append(f"{name}: {got['most_questions']} questions in one decision")
        high, low = got["hotfix_share_top"], got["hotfix_share_bottom"]
        if high is not None and low is not None and not float(str(high)) > float(str(low)):
            missed.append(f"{name}: hotfixes among top {high} not above bottom {low}")
    if args.format == "json":
        print(json.dumps({"exports": results, "missed": missed}, indent=2, default=str))
        return 1 if missed else 0
    for name, got in results.items():
        print(f"\n{name}: {got['issues']} issues ({got['skipped']} skipped)")
        shares = got["shares"]
        assert isinstance(shares, dict)
        print("  verdicts: " + ", ".join(f"{v} {s:.1%}" for v, s in shares.items()))
        print(
            f"  questions per needs-info: {got['questions_per_needs_info']} "
            f"(most {got['most_questions']})"
        )
        print(
            f"  tracker's top levels: {got['top_priority_share']:.1%} of issues; hotfix among "
            f"them {got['hotfix_share_top']}, among the lowest {got['hotfix_share_bottom']}"
        )
        rows = got["by_level"]
        assert isinstance(rows, list)
        for row in rows:
            level = row.pop("level")
            print(f"    {level:>12}: " + ", ".join(f"{k} {v}" for k, v in sorted(row.items())))
    print("\ntargets: " + ("all met" if not missed else "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
