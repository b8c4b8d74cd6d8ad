"""Hotfix figures: pure functions over a frame of decisions, returning plain data.

The frame has the columns of REPORT_SCHEMA (see `decisions_frame`); the command line and the
HTML report compute their figures here. The web dashboard counts in SQL (store/reports.py)
so a page view does not load every decision; a test keeps its figures equal to these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from hotgate.model import NO_RELEASE, SHIPPED_STATES, VERDICTS

REPORT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "key": pl.String,
    "source": pl.String,
    "component": pl.String,
    "verdict": pl.String,
    "state": pl.String,
    "troubled": pl.Boolean,
    "release": pl.String,
    "release_date": pl.Date,
    "decided": pl.Datetime("us", "UTC"),
    "reported": pl.Datetime("us", "UTC"),
}
UNKNOWN = "(unknown)"


def decisions_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A frame of decisions for the figures, from rows with REPORT_SCHEMA's keys."""
    return pl.DataFrame(list(rows), schema=REPORT_SCHEMA)


def _hotfixes(frame: pl.DataFrame) -> pl.DataFrame:
    """Decisions that became hotfixes: verdict hotfix, not rejected by a person."""
    return frame.filter(
        (pl.col("verdict") == "hotfix") & (pl.col("state").fill_null("") != "rejected")
    )


def verdict_counts(frame: pl.DataFrame) -> dict[str, int]:
    """How many decisions had each verdict, in the verdicts' usual order."""
    counts = dict(frame.group_by("verdict").len().iter_rows())
    return {verdict: int(counts.get(verdict, 0)) for verdict in VERDICTS}


def hotfixes_per_release(frame: pl.DataFrame, budget: int | None = None) -> list[dict[str, Any]]:
    """Hotfixes per release cycle (the release that was next when decided), in date order."""
    grouped = (
        _hotfixes(frame)
        .with_columns(pl.col("release").fill_null(NO_RELEASE))
        .group_by("release")
        .agg(hotfixes=pl.len(), release_date=pl.col("release_date").min())
        .sort(["release_date", "release"], nulls_last=True)
    )
    return [
        {
            "release": row["release"],
            "release_date": row["release_date"].isoformat() if row["release_date"] else None,
            "hotfixes": int(row["hotfixes"]),
            "over_budget": budget is not None
            and row["release"] != NO_RELEASE
            and row["hotfixes"] > budget,
        }
        for row in grouped.iter_rows(named=True)
    ]


def per_month(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Decisions per month of decision, by verdict; `hotfixes` counts the hotfixes kept."""
    months = frame.with_columns(
        month=pl.col("decided").dt.strftime("%Y-%m"),
        kept=(pl.col("verdict") == "hotfix") & (pl.col("state").fill_null("") != "rejected"),
    )
    rows = []
    for (month,), group in months.sort("month").group_by(["month"], maintain_order=True):
        counts = verdict_counts(group)
        rows.append({"month": month, "hotfixes": int(group["kept"].sum()), **counts})
    return rows


def hotfixes_by(frame: pl.DataFrame, column: str) -> list[dict[str, Any]]:
    """Hotfixes by source or component, most first."""
    grouped = (
        _hotfixes(frame)
        .with_columns(pl.col(column).fill_null(UNKNOWN).alias("name"))
        .group_by("name")
        .agg(hotfixes=pl.len(), troubled=pl.col("troubled").fill_null(False).sum())
        .sort(["hotfixes", "name"], descending=[True, False])
    )
    return [
        {"name": r["name"], "hotfixes": int(r["hotfixes"]), "troubled": int(r["troubled"])}
        for r in grouped.iter_rows(named=True)
    ]


def trouble(frame: pl.DataFrame) -> dict[str, Any]:
    """The share of hotfixes later rolled back or followed by a regression."""
    hotfixes = _hotfixes(frame)
    troubled = int(hotfixes["troubled"].fill_null(False).sum())
    shipped = hotfixes.filter(pl.col("state").is_in(SHIPPED_STATES)).height
    rolled_back = hotfixes.filter(pl.col("state") == "rolled-back").height
    return {
        "hotfixes": hotfixes.height,
        "shipped": shipped,
        "troubled": troubled,
        "rolled_back": rolled_back,
        "share_of_hotfixes": troubled / hotfixes.height if hotfixes.height else None,
        "share_of_shipped": troubled / shipped if shipped else None,
    }


def time_to_decision(frame: pl.DataFrame) -> dict[str, Any]:
    """Days from the report of a subject to its decision: count, median, 90th percentile, mean."""
    days = (
        frame.filter(pl.col("reported").is_not_null() & pl.col("decided").is_not_null())
        .select(days=(pl.col("decided") - pl.col("reported")).dt.total_seconds() / 86_400)
        .filter(pl.col("days") >= 0)["days"]
    )
    if days.is_empty():
        return {"count": 0, "median_days": None, "p90_days": None, "mean_days": None}

    def _value(x: Any) -> float:
        return round(float(x), 2)

    return {
        "count": days.len(),
        "median_days": _value(days.median()),
        "p90_days": _value(days.quantile(0.9, interpolation="linear")),
        "mean_days": _value(days.mean()),
    }


def budget_warnings(per_release: list[dict[str, Any]], budget: int | None) -> list[str]:
    """A warning for every release cycle with more hotfixes than the policy's budget."""
    if budget is None:
        return []
    return [
        f"Release cycle {row['release']} had {row['hotfixes']} hotfixes, "
        f"over the budget of {budget}."
        for row in per_release
        if row["over_budget"]
    ]


def area_trouble_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Troubled hotfixes per component: the history factor of the risk of a new hotfix."""
    return {
        row["name"]: row["troubled"]
        for row in hotfixes_by(frame, "component")
        if row["troubled"] and row["name"] != UNKNOWN
    }


def figures(frame: pl.DataFrame, budget: int | None = None) -> dict[str, Any]:
    """Every figure of the hotfix report, as plain data."""
    releases = hotfixes_per_release(frame, budget)
    return {
        "decisions": frame.height,
        "verdicts": verdict_counts(frame),
        "per_release": releases,
        "per_month": per_month(frame),
        "by_source": hotfixes_by(frame, "source"),
        "by_component": hotfixes_by(frame, "component"),
        "trouble": trouble(frame),
        "time_to_decision": time_to_decision(frame),
        "budget": budget,
        "warnings": budget_warnings(releases, budget),
    }
