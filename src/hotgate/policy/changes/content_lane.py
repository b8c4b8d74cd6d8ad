"""Deciding change requests in the content lane: simple, needed and safe, over columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import polars as pl

from hotgate.model import (
    PERSON,
    ChangeRequest,
    Decision,
    Evidence,
    PolicyRef,
    Risk,
    RiskFactor,
    Signal,
    Subject,
    Verdict,
)
from hotgate.policy.changes.facts import Facts, read_change
from hotgate.policy.deciding.engine import VERDICT_RANK, Context, answer_criteria
from hotgate.policy.definition.condition import names_in, to_polars
from hotgate.policy.definition.lanes import CHANGE_FACTS, ChangeLane
from hotgate.policy.definition.rules import person_evidence, rule_columns
from hotgate.policy.definition.schema import Policy, PolicyError

COST_FORMULA = "cost_of_waiting = need_weight × days the change would be late"
RISK_FORMULA = "risk_of_hotfix = (1 + size / file limit) × protected_factor × code_factor"


def lane_of(policy: Policy) -> ChangeLane:
    """The policy's content lane, or an error saying the policy has none."""
    if policy.changes is None:
        raise PolicyError(
            f"policy {policy.name!r} has no 'changes' section: it cannot decide change requests"
        )
    return policy.changes


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = {
        "key": pl.String,
        "title": pl.String,
        "url": pl.String,
        "answers": pl.String,
    }
    for name, kind in CHANGE_FACTS.items():
        schema[name] = pl.Boolean if kind == "bool" else pl.Int64
    return schema


def changes_frame(
    policy: Policy, changes: Sequence[ChangeRequest], context: Context
) -> tuple[pl.DataFrame, list[Facts]]:
    """One row of facts per change request, and the facts with their evidence."""
    lane = lane_of(policy)
    shipping = context.shipping
    facts = [read_change(lane, policy.negation, c, context.as_of, shipping) for c in changes]
    rows = [
        {
            "key": c.key,
            "title": c.title,
            "url": c.url,
            "answers": ",".join(f"{k}={v}" for k, v in c.answers.items()),
            **f.values,
        }
        for c, f in zip(changes, facts, strict=True)
    ]
    return pl.DataFrame(rows, schema=_schema()), facts


def _risk_columns(policy: Policy, lane: ChangeLane) -> dict[str, pl.Expr]:
    days = pl.coalesce(pl.col("days_until_release"), pl.lit(policy.timing.default_days_to_release))
    late = (
        pl.when(pl.col("days_until_needed").is_null())
        .then(days)
        .otherwise(
            (days - pl.max_horizontal(pl.col("days_until_needed"), pl.lit(0))).clip(lower_bound=0)
        )
    )
    weights = {k: float(v) for k, v in lane.risk.need_weight.items()}
    return {
        "_need_weight": pl.col("needed__answer").replace_strict(weights, return_dtype=pl.Float64),
        "_days_late": late.cast(pl.Float64),
        "_size": pl.max_horizontal(pl.col("files"), pl.col("pages")).cast(pl.Float64),
        "_protected_factor": pl.when(pl.col("protected_area"))
        .then(lane.risk.protected_factor)
        .otherwise(1.0),
        "_code_factor": pl.when(pl.col("custom_code")).then(lane.risk.code_factor).otherwise(1.0),
    }


def evaluate_changes(policy: Policy, frame: pl.DataFrame) -> pl.DataFrame:
    """Answer the three criteria, the timing rule and the two numbers for every row."""
    lane = lane_of(policy)
    answers = [pl.col(f"{crit}__answer") for crit in lane.criteria]
    holds, answered_by = rule_columns(lane.criteria, lane.conditions)
    answered = frame.with_columns(**holds).with_columns(**answered_by)
    risked = answered.with_columns(**_risk_columns(policy, lane)).with_columns(
        cost_of_waiting=(pl.col("_need_weight") * pl.col("_days_late")).round(2),
        risk_of_hotfix=(
            (1 + pl.col("_size") / float(lane.limits.files))
            * pl.col("_protected_factor")
            * pl.col("_code_factor")
        ).round(2),
    )
    verdict = (
        pl.when(pl.any_horizontal([a == "no" for a in answers]))
        .then(pl.lit("no-hotfix"))
        .when(pl.any_horizontal([a == "unknown" for a in answers]))
        .then(pl.lit("needs-info"))
        .when(to_polars(lane.conditions["timing.wait_when"]))
        .then(pl.lit("wait"))
        .otherwise(pl.lit("hotfix"))
    )
    return risked.with_columns(verdict=verdict).with_columns(
        _rank=pl.col("verdict").replace_strict(VERDICT_RANK, return_dtype=pl.Int64)
    )


def _evidence(lane: ChangeLane, crit: str, row: Mapping[str, Any], facts: Facts) -> Evidence:
    spec = lane.criteria[crit]
    rule_name = row.get(f"{crit}__rule")
    if rule_name == PERSON:
        return person_evidence(crit, row[f"{crit}__answer"])
    if rule_name is None:
        return Evidence(unknown=spec.questions)
    index = next(i for i, item in enumerate(spec.rules) if item.name == rule_name)
    node = lane.conditions[f"criteria.{crit}.rules[{index}].when"]
    signals: list[Signal] = []
    for name in names_in(node):
        # Facts are noted only where something was found, so a fact's evidence explains it
        # whether the rule reads it as true or negates it ("not within_limits").
        signals.extend(s for s in facts.evidence.get(name, []) if s not in signals)
    return Evidence(rule=rule_name, because=spec.rules[index].because, signals=signals)


def _timing_reason(row: Mapping[str, Any], context: Context, verdict: str) -> str:
    release = context.shipping
    if release is None:
        return "No release date is known, so nothing argues for waiting; --next-release weighs it."
    when = f"{release.name} ships on {release.date.isoformat()}, in {release.days_until} day(s)"
    needed = row.get("days_until_needed")
    if verdict == "wait":
        return f"{when}, before the change is needed: it can go out with that release."
    if needed is None:
        return f"{when}; no date it must be live by is given, so nothing makes it wait."
    return f"{when}, after the date it is needed (in {needed} day(s)): waiting would miss it."


def _risk(row: Mapping[str, Any], lane: ChangeLane) -> Risk:
    return Risk(
        cost_of_waiting=float(row["cost_of_waiting"]),
        risk_of_hotfix=float(row["risk_of_hotfix"]),
        cost_factors=[
            RiskFactor(
                name="need_weight",
                value=float(row["_need_weight"]),
                note=f"from the 'needed' answer '{row['needed__answer']}'",
            ),
            RiskFactor(
                name="days_late",
                value=float(row["_days_late"]),
                note="days between the date it is needed and the next release"
                if row.get("days_until_needed") is not None
                else "days until the next release",
            ),
        ],
        risk_factors=[
            RiskFactor(
                name="size", value=float(row["_size"]), note="files or pages, whichever is more"
            ),
            RiskFactor(
                name="file_limit",
                value=float(lane.limits.files),
                note="the content lane's file limit",
            ),
            RiskFactor(
                name="protected_factor",
                value=float(row["_protected_factor"]),
                note="touches a protected area"
                if row.get("protected_area")
                else "no protected area",
            ),
            RiskFactor(
                name="code_factor",
                value=float(row["_code_factor"]),
                note="adds or changes code" if row.get("custom_code") else "no code",
            ),
        ],
        cost_formula=COST_FORMULA,
        risk_formula=RISK_FORMULA,
    )


def to_change_decision(
    policy: Policy, row: Mapping[str, Any], facts: Facts, context: Context
) -> Decision:
    """Turn one evaluated row into a Decision about a change request."""
    lane = lane_of(policy)
    verdict: Verdict = row["verdict"]
    criteria, reasons, questions = answer_criteria(
        lane.criteria,
        row,
        lambda crit: _evidence(lane, crit, row, facts),
        "the request does not say yet.",
    )
    if verdict in {"hotfix", "wait"}:
        reasons.append(_timing_reason(row, context, verdict))
    return Decision(
        subject=Subject(kind="change", key=row["key"], title=row["title"], url=row.get("url")),
        verdict=verdict,
        criteria=criteria,
        questions=questions,
        release=context.shipping,
        risk=_risk(row, lane),
        reasons=reasons,
        override=None,
        as_of=context.as_of,
        policy=PolicyRef(name=policy.name, sha256=policy.sha256),
    )


def decide_changes(
    policy: Policy, changes: Iterable[ChangeRequest], context: Context
) -> Iterator[Decision]:
    """Decide a batch of change requests and yield their decisions in the order given."""
    batch = list(changes)
    if not batch:
        return
    frame, facts = changes_frame(policy, batch, context)
    for row, row_facts in zip(
        evaluate_changes(policy, frame).iter_rows(named=True), facts, strict=True
    ):
        yield to_change_decision(policy, row, row_facts, context)
