"""The cost of waiting and the risk of the hotfix, as columns and as explained factors."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import polars as pl

from hotgate.model import Risk
from hotgate.policy.definition.learned import explain_learned_risk
from hotgate.policy.definition.schema import Policy

COST_FORMULA = (
    "cost_of_waiting = reach × severity_weight × days_until_fix_ships × regression_factor"
)
RISK_FORMULA = (
    "risk_of_hotfix = (1 + fix_lines / lines_per_unit) × critical_area_factor × tests_factor"
    " × (1 + history_factor × troubled_hotfixes_in_area)"
)


def risk_columns(policy: Policy) -> dict[str, pl.Expr]:
    """Columns for both numbers and their factors; needs severity_level, share and answers."""
    settings = policy.risk
    weights = {k: float(v) for k, v in settings.severity_weight.items() if k != "unknown"}
    # Each row carries its distance to the release (the context's, or its own in a replay of
    # history); with none known, the policy's usual cycle.
    days_expr = pl.coalesce(
        pl.col("days_until_release").clip(lower_bound=0),
        pl.lit(policy.timing.default_days_to_release),
    )
    tests_factor = (
        pl.when(pl.col("fix_has_tests").is_null())
        .then(pl.lit(settings.unknown_tests_factor))
        .when(pl.col("fix_has_tests"))
        .then(pl.lit(1.0))
        .otherwise(pl.lit(settings.untested_factor))
    )
    return {
        # Telemetry's share when known, else the degree of belief that it reaches most users.
        "_reach": pl.coalesce(pl.col("share"), pl.col("broad_reach__probability")).round(3),
        "_regression_factor": pl.when(pl.col("regression"))
        .then(pl.lit(settings.regression_factor))
        .otherwise(pl.lit(1.0)),
        "_severity_weight": pl.col("severity_level")
        .replace_strict(weights, default=float(settings.severity_weight["unknown"]))
        .cast(pl.Float64),
        "_days": days_expr.cast(pl.Float64),
        "_fix_lines": pl.coalesce(pl.col("fix_lines"), pl.lit(settings.default_fix_lines)),
        "_critical_factor": pl.when(pl.col("core_function"))
        .then(pl.lit(settings.critical_area_factor))
        .otherwise(pl.lit(1.0)),
        "_tests_factor": tests_factor,
        "_troubled_hotfixes": pl.col("area_hotfix_trouble").fill_null(0).cast(pl.Float64),
    }


def risk_numbers(policy: Policy, factors: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
    """The two numbers, from the factors risk_columns makes (reused, so one step does both)."""
    return {
        "cost_of_waiting": (
            factors["_reach"]
            * factors["_severity_weight"]
            * factors["_days"]
            * factors["_regression_factor"]
        ).round(2),
        "risk_of_hotfix": (
            (1 + factors["_fix_lines"] / pl.lit(float(policy.risk.lines_per_unit)))
            * factors["_critical_factor"]
            * factors["_tests_factor"]
            * (1 + pl.lit(float(policy.risk.history_factor)) * factors["_troubled_hotfixes"])
        ).round(2),
    }


def risk_of_row(policy: Policy, row: MutableMapping[str, Any]) -> None:
    """`risk_columns` and `risk_numbers` for one row, in Python: adds the same values.

    Rounded as polars rounds (half to even after scaling: `rounded`), not as Python's round().
    """
    settings = policy.risk
    days = row.get("days_until_release")
    tests = row.get("fix_has_tests")
    reach = row.get("share")
    fix_lines = row.get("fix_lines")
    factors = {
        "_reach": rounded(row["broad_reach__probability"] if reach is None else reach, 3),
        "_regression_factor": settings.regression_factor if row.get("regression") else 1.0,
        "_severity_weight": float(
            settings.severity_weight.get(
                row.get("severity_level") or "unknown", settings.severity_weight["unknown"]
            )
        ),
        "_days": float(policy.timing.default_days_to_release if days is None else max(days, 0)),
        "_fix_lines": settings.default_fix_lines if fix_lines is None else fix_lines,
        "_critical_factor": settings.critical_area_factor if row.get("core_function") else 1.0,
        "_tests_factor": (
            settings.unknown_tests_factor
            if tests is None
            else (1.0 if tests else settings.untested_factor)
        ),
        "_troubled_hotfixes": float(row.get("area_hotfix_trouble") or 0),
    }
    row.update(factors)
    cost = (
        factors["_reach"]
        * factors["_severity_weight"]
        * factors["_days"]
        * factors["_regression_factor"]
    )
    risk = (
        (1 + factors["_fix_lines"] / float(settings.lines_per_unit))
        * factors["_critical_factor"]
        * factors["_tests_factor"]
        * (1 + float(settings.history_factor) * factors["_troubled_hotfixes"])
    )
    row["cost_of_waiting"], row["risk_of_hotfix"] = rounded(cost, 2), rounded(risk, 2)


def rounded(value: float, decimals: int) -> float:
    """A float rounded as polars' `round(decimals)` does: the value times 10^decimals, rounded
    half to even, divided back (Python's round(value, decimals) rounds the exact decimal and
    differs, e.g. 12.345 gives 12.35 in Python and 12.34 in polars 2.1)."""
    scale = 10.0**decimals
    return round(value * scale) / scale


def risk_fields(policy: Policy, row: Mapping[str, Any]) -> dict[str, Any]:
    """Both numbers for one evaluated row with every factor named, as plain data.

    The fields of `Risk` in its order, ready for JSON (the bulk path writes them as they are);
    a learned risk model is not applied here (see explain_risk).
    """
    settings = policy.risk
    reach_note = (
        "share of users affected"
        if row.get("share") is not None
        else "the degree of belief that it reaches most users"
    )
    tests = row.get("fix_has_tests")
    tests_note = (
        "fix has tests" if tests else ("no tests in the fix" if tests is False else "unknown")
    )
    days_note = (
        "days until the next release"
        if row.get("days_until_release") is not None
        else "no release date known: the policy's default cycle"
    )
    regression_note = (
        "a regression: users on the current release lost something that worked"
        if row.get("regression")
        else "not a regression"
    )
    fix_note = (
        "lines the fix changes"
        if row.get("fix_lines") is not None
        else "size unknown: the policy's default"
    )
    core_note = "touches a core function" if row.get("core_function") else "no core function"
    severity_note = f"severity {row.get('severity_level') or 'unknown'}"
    return {
        "cost_of_waiting": float(row["cost_of_waiting"]),
        "risk_of_hotfix": float(row["risk_of_hotfix"]),
        "cost_factors": [
            _factor("reach", row["_reach"], reach_note),
            _factor("severity_weight", row["_severity_weight"], severity_note),
            _factor("days_until_fix_ships", row["_days"], days_note),
            _factor("regression_factor", row["_regression_factor"], regression_note),
        ],
        "risk_factors": [
            _factor("fix_lines", row["_fix_lines"], fix_note),
            _factor(
                "lines_per_unit", settings.lines_per_unit, "lines that count as one unit of size"
            ),
            _factor("critical_area_factor", row["_critical_factor"], core_note),
            _factor("tests_factor", row["_tests_factor"], tests_note),
            _factor(
                "troubled_hotfixes_in_area",
                row["_troubled_hotfixes"],
                _history_note(row, settings.history_factor),
            ),
        ],
        "cost_formula": COST_FORMULA,
        "risk_formula": RISK_FORMULA,
    }


def _factor(name: str, value: Any, note: str) -> dict[str, Any]:
    return {"name": name, "value": float(value), "note": note}


def explain_risk(policy: Policy, row: Mapping[str, Any]) -> Risk:
    """Both numbers for one subject, with every factor named (and a learned model's, if any)."""
    return explain_learned_risk(policy, row, Risk.model_validate(risk_fields(policy, row)))


def _history_note(row: Mapping[str, Any], history_factor: float) -> str:
    """Says how many past hotfixes in the component caused trouble, or why none are counted."""
    count = row.get("area_hotfix_trouble")
    component = row.get("component")
    if count is None:
        return "no record of past hotfixes was consulted, so none counts"
    if not component:
        return "the bug names no component, so no past hotfix counts"
    if count == 0:
        return f"no past hotfix in component '{component}' was rolled back or regressed"
    hotfixes = "1 past hotfix" if count == 1 else f"{count} past hotfixes"
    was = "was" if count == 1 else "were"
    each = "it adds" if count == 1 else "each adds"
    return (
        f"{hotfixes} in component '{component}' {was} rolled back or followed by a regression; "
        f"{each} {history_factor} to the multiplier"
    )
