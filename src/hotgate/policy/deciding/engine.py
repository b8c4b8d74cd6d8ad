"""evaluate(policy, subjects) -> decisions: a batch as columns, a few subjects row by row.

`evaluate` builds one polars query of the policy's rules over a whole batch. `evaluate_rows`
gives the same values for up to ROW_BATCH subjects from Python siblings of those expressions,
since polars' fixed cost per expression is most of deciding one bug; tests/policy/test_by_row.py
holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import polars as pl

from hotgate.model import (
    VERDICTS,
    CriterionResult,
    Decision,
    Evidence,
    Issue,
    PolicyRef,
    Release,
    Subject,
    Verdict,
)
from hotgate.policy.deciding.explain import (
    asked,
    criterion_reason,
    criterion_results,
    verdict_reason,
    what_would_change,
)
from hotgate.policy.deciding.risk import explain_risk, risk_columns, risk_numbers, risk_of_row
from hotgate.policy.definition.belief import (
    belief_columns,
    belief_of_rows,
    qualify_columns,
    qualify_of_row,
)
from hotgate.policy.definition.condition import first_of, holds, to_polars
from hotgate.policy.definition.learned import learned_reasons, learned_stages, with_learned_inputs
from hotgate.policy.definition.schema import Blackout, Policy, made_once
from hotgate.policy.reading.reader import text_score_of_row, text_scores, with_text_terms
from hotgate.policy.reading.signals import (
    Stages,
    issues_frame,
    label_vocabulary,
    read_signals,
    signals_of_rows,
    with_stages,
)

VERDICT_RANK = {verdict: rank for rank, verdict in enumerate(VERDICTS)}


@dataclass(frozen=True)
class Context:
    """What a decision depends on besides the subject: the day, the next release, a blackout."""

    as_of: date
    release: Release | None = None
    blackout: Blackout | None = None
    # The release itself when `release` is its freeze (what the timing rule weighs for bugs);
    # content goes live on the release day, so the content lane weighs this one.
    ships: Release | None = None

    @property
    def shipping(self) -> Release | None:
        """The release a change would go live with: the release, never its freeze."""
        return self.ships or self.release


def release_on(name: str, day: date, as_of: date) -> Release:
    """A release on a given day, seen from as_of."""
    return Release(name=name, date=day, days_until=(day - as_of).days)


def _override_columns(policy: Policy) -> tuple[dict[str, pl.Expr], pl.Expr]:
    """Each override's condition as a column, then the first override that holds."""
    holds = {
        f"overrides[{i}].when": to_polars(policy.conditions[f"overrides[{i}].when"])
        for i in range(len(policy.overrides))
    }
    branches = [
        (pl.col(place), pl.lit(item.name))
        for place, item in zip(holds, policy.overrides, strict=True)
    ]
    return holds, first_of(branches, pl.lit(None, dtype=pl.String))


def _verdict_column(policy: Policy, in_blackout: bool) -> pl.Expr:
    thresholds = policy.decision
    qualifies = pl.col("probability") >= thresholds.hotfix_at
    worth_asking = pl.col("_flip_chance") >= thresholds.ask_at
    # Per row, so a replay of history can give each subject its own release distance.
    near = (pl.col("days_until_release") <= policy.timing.wait_within_days).fill_null(False)
    ratio = policy.timing.min_cost_ratio
    cheap_to_wait = (
        pl.col("cost_of_waiting") < ratio * pl.col("risk_of_hotfix")
        if ratio is not None
        else pl.lit(False)
    )
    return (
        pl.when(pl.col("override").is_not_null())
        .then(pl.lit("hotfix"))
        .when(qualifies & (pl.lit(in_blackout) | near | cheap_to_wait))
        .then(pl.lit("wait"))
        .when(qualifies)
        .then(pl.lit("hotfix"))
        .when(worth_asking)
        .then(pl.lit("needs-info"))
        .otherwise(pl.lit("no-hotfix"))
    )


def _decision_stages(policy: Policy) -> Stages:
    """The columns from signals to the two numbers, the same for every batch; built once."""
    names = policy.criterion_names()
    specs = {crit: policy.criteria[crit] for crit in names}
    rule_holds, sums, probabilities, answers = belief_columns(
        specs, policy.conditions, policy.decision
    )
    override_holds, override = _override_columns(policy)
    factors = risk_columns(policy)
    sets, qualify = qualify_columns(names, policy.decision)
    return [
        {**rule_holds, **override_holds},
        {**sums, "override": override},
        probabilities,
        {**answers, **sets},
        {**qualify, **factors, **risk_numbers(policy, factors)},
        # A learned section replaces the probability (and the risk) with its fitted weights.
        *learned_stages(policy),
    ]


def _with_context(frame: pl.LazyFrame, context: Context) -> pl.LazyFrame:
    """The frame with each row's distance to the release and its area's troubled hotfixes."""
    days_until = context.release.days_until if context.release else None
    with_days = frame
    columns = frame.collect_schema().names()
    if days_until is not None or "days_until_release" not in columns:
        with_days = frame.with_columns(days_until_release=pl.lit(days_until, dtype=pl.Int64))
    if "area_hotfix_trouble" not in columns:
        # Supplied by the caller (the service counts past hotfixes in the store). Left empty,
        # not 0, so the explanation can say no history was consulted; the risk counts it as 0.
        with_days = with_days.with_columns(area_hotfix_trouble=pl.lit(None, dtype=pl.Int64))
    return with_days


def _context_of_rows(rows: list[dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    """`_with_context` for rows, in place."""
    days_until = context.release.days_until if context.release else None
    for row in rows:
        if days_until is not None or "days_until_release" not in row:
            row["days_until_release"] = days_until
        row.setdefault("area_hotfix_trouble", None)
    return rows


def evaluate(
    policy: Policy, frame: pl.DataFrame, context: Context, text_terms: bool = True
) -> pl.DataFrame:
    """Decide every subject in the frame; returns the frame with answers, verdict and risk.

    With `text_terms` the reader's words for each decision (`to_decision` shows them) are read
    for the whole batch; a caller that only ranks or counts can leave them out.
    """
    # One lazy query, collected once; only the label columns and the verdict are built per
    # batch.
    with_days = _with_context(frame.lazy(), context).collect(engine="in-memory")
    with_days = with_learned_inputs(policy, text_scores(policy, with_days, text_terms))
    vocabulary = label_vocabulary(with_days)
    signals = read_signals(policy, with_days.lazy(), vocabulary, with_days.height)
    risked = with_stages(signals, made_once(policy, _decision_stages))
    verdict = _verdict_column(policy, in_blackout=context.blackout is not None)
    decided = risked.with_columns(
        verdict=verdict, _rank=verdict.replace_strict(VERDICT_RANK, return_dtype=pl.Int64)
    )
    # The plan is already what we mean; optimizing it costs more than it saves on small batches.
    return decided.collect(engine="in-memory", optimizations=pl.QueryOptFlags.none())


# Up to this many subjects are decided row by row (evaluate_rows). Measured 2026-12-01 on this
# project's 2-core machines, generated issues: one bug 1.9 ms by row against 16.7 ms as columns
# (polars' fixed cost per expression, about 400 of them, whatever the batch's size), 8 bugs
# 8.4 against 17.0 ms, 16 bugs 13.7 against 21.4 ms.
ROW_BATCH = 16


def by_row(policy: Policy, rows: int) -> bool:
    """Whether a batch of this many subjects is decided row by row (`evaluate_rows`).

    A policy with a learned section is always decided as columns: its fitted weights are
    applied as expressions only.
    """
    return rows <= ROW_BATCH and policy.learned is None


def evaluate_rows(
    policy: Policy, frame: pl.DataFrame, context: Context, text_terms: bool = True
) -> list[dict[str, Any]]:
    """`evaluate` for a few subjects, as rows (`iter_rows(named=True)` of its frame).

    The same values, worked out in Python with no polars query: the text is prepared as a
    batch's is, and every signal, belief, risk and verdict is a sibling of the expression that
    makes its column (`signals_of_rows`, `belief_of_rows`, `qualify_of_row`, `risk_of_row`,
    `_verdict_of`); tests/policy/test_by_row.py holds the two equal on real reports. Raises
    ValueError for a policy with a learned section (see by_row).
    """
    if policy.learned is not None:
        raise ValueError("a policy with a learned section is decided as columns")
    names = policy.criterion_names()
    specs = {crit: policy.criteria[crit] for crit in names}
    rows = signals_of_rows(policy, _context_of_rows(frame.to_dicts(), context))
    for row in rows:
        text_score_of_row(policy, row, text_terms)
    belief_of_rows(specs, policy.conditions, policy.decision, rows)
    for row in rows:
        row["override"] = None
        for i, item in enumerate(policy.overrides):
            place = f"overrides[{i}].when"
            row[place] = holds(policy.conditions[place], row)
            if row[place] and row["override"] is None:
                row["override"] = item.name
        qualify_of_row(names, policy.decision, row)
        risk_of_row(policy, row)
        row["verdict"] = _verdict_of(policy, row, in_blackout=context.blackout is not None)
        row["_rank"] = VERDICT_RANK[row["verdict"]]
    return rows


def _verdict_of(policy: Policy, row: Mapping[str, Any], in_blackout: bool) -> str:
    """`_verdict_column` for one row."""
    thresholds, timing = policy.decision, policy.timing
    days = row.get("days_until_release")
    near = days is not None and days <= timing.wait_within_days
    ratio = timing.min_cost_ratio
    cheap_to_wait = ratio is not None and row["cost_of_waiting"] < ratio * row["risk_of_hotfix"]
    qualifies = row["probability"] >= thresholds.hotfix_at
    if row["override"] is not None:
        return "hotfix"
    if qualifies:
        return "wait" if in_blackout or near or cheap_to_wait else "hotfix"
    return "needs-info" if row["_flip_chance"] >= thresholds.ask_at else "no-hotfix"


def rank(decided: pl.DataFrame) -> pl.DataFrame:
    """Order decisions for a release manager: hotfixes first, then by cost of waiting (which
    weighs severity already), ties by key; every output format lists them in this order
    (`columns.ranked` for decision documents)."""
    return decided.sort(
        ["_rank", "cost_of_waiting", "key"], descending=[False, True, False], nulls_last=True
    )


def _timing_reason(policy: Policy, release: Release | None, verdict: str) -> str:
    window = policy.timing.wait_within_days
    if release is not None and release.kind == "freeze":
        when = (
            f"The code freeze for {release.name} begins on {release.date.isoformat()}, "
            f"in {release.days_until} day(s)"
        )
        if verdict == "wait":
            return f"{when}: within the {window}-day window, so the fix should ride that release."
        return f"{when}: beyond the {window}-day window, too long to make users wait."
    if release is None:
        return (
            "No release date is known, so nothing argues for waiting; "
            "give --next-release to weigh it."
        )
    when = f"{release.name} ships on {release.date.isoformat()}, in {release.days_until} day(s)"
    if verdict == "wait":
        return f"{when}: within the {window}-day window, so the fix should ride that release."
    return f"{when}: beyond the {window}-day window, too long to make users wait."


class CriterionSpec(Protocol):
    """What a criterion shows a person: its title and its questions."""

    @property
    def title(self) -> str: ...

    @property
    def questions(self) -> list[str]: ...


def answer_criteria(
    specs: Mapping[str, CriterionSpec],
    row: Mapping[str, Any],
    evidence_of: Callable[[str], Evidence],
    unknown: str,
) -> tuple[list[CriterionResult], list[str], list[str]]:
    """Each criterion's answer and evidence, the reasons in words, and the questions to ask."""
    criteria: list[CriterionResult] = []
    reasons: list[str] = []
    questions: list[str] = []
    for crit, spec in specs.items():
        answer = row[f"{crit}__answer"]
        evidence = evidence_of(crit)
        if answer == "unknown":
            questions.extend(spec.questions)
            reasons.append(f"{spec.title} Unknown: {unknown}")
        else:
            reasons.append(f"{spec.title} {answer.capitalize()}: {evidence.because}")
        criteria.append(
            CriterionResult(
                name=crit,
                title=spec.title,
                questions=list(spec.questions),
                answer=answer,
                evidence=evidence,
            )
        )
    return criteria, reasons, questions


def to_decision(policy: Policy, row: Mapping[str, Any], context: Context) -> Decision:
    """Turn one evaluated row into a Decision with its evidence, reasons and questions."""
    verdict: Verdict = row["verdict"]
    reasons: list[str] = []
    override = row.get("override")
    if override:
        item = next(o for o in policy.overrides if o.name == override)
        reasons.append(f"Override '{override}': {item.because}")
    row = with_text_terms(policy, row)
    criteria = criterion_results(policy, row)
    reasons.extend(criterion_reason(result) for result in criteria)
    if not override:
        reasons.append(verdict_reason(policy, row))
        reasons.extend(learned_reasons(policy, row))
        reasons.extend(timing_reasons(policy, context, row))
    asking = asked(policy, row) if verdict == "needs-info" else []
    questions = [policy.criteria[crit].ask for crit in asking]
    return Decision(
        subject=Subject(
            kind="issue",
            key=row["key"],
            title=row["title"],
            url=row.get("url"),
            source=row.get("source"),
            component=row.get("component"),
            reported=row.get("created"),
        ),
        verdict=verdict,
        probability=round(float(row["probability"]), 3),
        criteria=criteria,
        questions=questions,
        what_would_change=what_would_change(policy, row, _near(policy, context)),
        release=context.release,
        risk=explain_risk(policy, row),
        reasons=reasons,
        override=override,
        as_of=context.as_of,
        policy=PolicyRef(name=policy.name, sha256=policy.sha256),
    )


def timing_reasons(policy: Policy, context: Context, row: Mapping[str, Any]) -> list[str]:
    """Why a decided bug ships now or waits (no override applied): the blackout it waits
    through, or the next release's timing and the policy's cost ratio; none for the rest."""
    verdict = row["verdict"]
    blackout = context.blackout
    if verdict == "wait" and blackout is not None:
        return [
            f"No hotfix ships during the blackout '{blackout.name}' ({blackout.start.isoformat()}"
            f" to {blackout.end.isoformat()}): "
            + (f"{blackout.because} " if blackout.because else "")
            + "It waits for the next release unless an override applies."
        ]
    if verdict not in {"hotfix", "wait"}:
        return []
    reasons = [_timing_reason(policy, context.release, verdict)]
    ratio = policy.timing.min_cost_ratio
    if verdict == "wait" and ratio is not None and not _near(policy, context):
        reasons.append(
            f"The cost of waiting ({row['cost_of_waiting']}) is under {ratio} × the risk of "
            f"the hotfix ({row['risk_of_hotfix']})."
        )
    return reasons


def _near(policy: Policy, context: Context) -> bool:
    release = context.release
    return release is not None and release.days_until <= policy.timing.wait_within_days


def evaluated_rows(policy: Policy, frame: pl.DataFrame, context: Context) -> list[dict[str, Any]]:
    """Every subject of the frame decided, as rows: by row for a few (`by_row`), else as
    columns; the same values either way."""
    if by_row(policy, frame.height):
        return evaluate_rows(policy, frame, context)
    return evaluate(policy, frame, context).to_dicts()


def decide(policy: Policy, issues: Iterable[Issue], context: Context) -> Iterator[Decision]:
    """Decide a batch of issues and yield their decisions in the order given."""
    for row in evaluated_rows(policy, issues_frame(issues), context):
        yield to_decision(policy, row, context)
