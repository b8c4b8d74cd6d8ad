"""One evaluated bug in words: each criterion's belief and evidence, what to ask, what would change.

Everything here reads one row that `engine.evaluate` made; nothing is decided again. The
probabilities are shown as percentages, never as log-odds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hotgate.model import PERSON, CriterionResult, Evidence, Factor, Signal
from hotgate.policy.definition.belief import BeliefCriterion, doubt_taken
from hotgate.policy.definition.condition import held, names_in
from hotgate.policy.definition.rules import person_evidence
from hotgate.policy.definition.schema import Policy
from hotgate.policy.reading.signals import explain_value

TEXT_MODEL = "learned-reader"


def percent(probability: float) -> str:
    """A probability for people: 0.724 -> '72%'. Rounded from the three decimals a decision
    keeps (0.3946 is kept as 0.395 and shown as 40%), so the text and the card agree."""
    return f"{round(probability, 3):.0%}"


def criterion_results(policy: Policy, row: Mapping[str, Any]) -> list[CriterionResult]:
    """Each bug criterion with its answer, probability and the evidence that moved it."""
    results = []
    for crit in policy.criterion_names():
        spec = policy.criteria[crit]
        results.append(
            CriterionResult(
                name=crit,
                title=spec.title,
                questions=list(spec.questions),
                answer=row[f"{crit}__answer"],
                probability=round(float(row[f"{crit}__probability"]), 3),
                evidence=_evidence(policy, crit, spec, row),
            )
        )
    return results


def _evidence(policy: Policy, crit: str, spec: BeliefCriterion, row: Mapping[str, Any]) -> Evidence:
    leading = row.get(f"{crit}__rule")
    if leading == PERSON:
        return person_evidence(crit, row[f"{crit}__answer"])
    factors = [
        Factor(
            rule=rule.name,
            weight=rule.weight,
            because=rule.because,
            signals=_signals(policy, f"criteria.{crit}.rules[{i}].when", row),
        )
        for i, rule in enumerate(spec.rules)
        if row.get(f"criteria.{crit}.rules[{i}].when")
    ]
    text = _text_model_factor(spec, row)
    if text is not None:
        factors.append(text)
    taken = doubt_taken(spec, crit, row)
    if taken is not None:
        doubt, weight = taken
        held_signals = _signals(policy, f"criteria.{crit}.doubt.when", row)
        factors.append(
            Factor(rule=doubt.name, weight=weight, because=doubt.because, signals=held_signals)
        )
    factors.sort(key=lambda f: -abs(f.weight))
    yes = float(row[f"{crit}__probability"]) >= 0.5
    towards = [f for f in factors if (f.weight > 0) == yes]
    settled = row[f"{crit}__answer"] != "unknown"
    because = next((f.because for f in towards if f.rule == leading), None) if settled else None
    signals: list[Signal] = []
    for factor in towards:
        signals.extend(s for s in factor.signals if s not in signals)
    unknown = [spec.ask] if row[f"{crit}__answer"] == "unknown" else []
    return Evidence(
        rule=leading, because=because, signals=signals, unknown=unknown, factors=factors
    )


def _signals(policy: Policy, place: str, row: Mapping[str, Any]) -> list[Signal]:
    node = policy.conditions[place]
    names = held(node, row) or names_in(node)
    return [s for name in names for s in explain_value(policy, name, row)]


def _text_model_factor(spec: BeliefCriterion, row: Mapping[str, Any]) -> Factor | None:
    setting = spec.text_model
    score = row.get("text_score")
    if setting is None or score is None or not setting.weight:
        return None
    weight = round(setting.weight * max(-setting.cap, min(setting.cap, float(score))), 2)
    terms = row.get("text_terms") or ""
    leaning = "severe" if weight > 0 else "minor"
    because = f"The learned reader of reports rates the wording as {leaning}" + (
        f" ({terms})." if terms else "."
    )
    return Factor(rule=TEXT_MODEL, weight=weight, because=because)


def criterion_reason(result: CriterionResult) -> str:
    """One criterion's answer in a sentence, with its degree of belief."""
    shown = f" ({percent(result.probability)} yes)" if result.probability is not None else ""
    if result.answer != "unknown" and result.evidence.because:
        return f"{result.title} {result.answer.capitalize()}{shown}: {result.evidence.because}"
    if result.answer != "unknown":
        return f"{result.title} {result.answer.capitalize()}{shown}: the evidence together says so."
    if result.evidence.factors:
        return f"{result.title} Unknown{shown}: the evidence does not settle it."
    return f"{result.title} Unknown{shown}: nothing in the report speaks to it."


def asked(policy: Policy, row: Mapping[str, Any], column: str = "_ask") -> list[str]:
    """The criteria whose answers could make the bug qualify, least likely first (at most 3).

    column is `_ask` (the set worth asking about) or `_flip` (the smallest set that could).
    """
    names = policy.criterion_names()
    mask = int(row.get(column) or 0)
    chosen = [c for i, c in enumerate(names) if mask >> i & 1]
    chosen.sort(key=lambda c: float(row[f"{c}__probability"]))
    return chosen[:3]


def _lifting(policy: Policy, row: Mapping[str, Any]) -> tuple[list[str], float]:
    """For a bug that does not qualify: the criteria whose "yes" could lift it, and the chance
    of all those answers (0 when none could). A needs-info's are the questions it asks; any
    other verdict's, the likeliest smallest set. The reasons and "what would change this"
    both give these, so they never state different chances."""
    wanted = asked(policy, row, "_ask" if row["verdict"] == "needs-info" else "_flip")
    chance = math.prod(float(row[f"{crit}__probability"]) for crit in wanted) if wanted else 0.0
    return wanted, chance


def what_would_change(policy: Policy, row: Mapping[str, Any], near: bool) -> list[str]:
    """What would turn the verdict, in words a release manager can act on."""
    verdict = row["verdict"]
    names = policy.criterion_names()
    if row.get("override"):
        return [
            "Only evidence that the override does not apply (say, the tracker closing it as "
            "not a bug) would change this."
        ]
    if verdict in {"hotfix", "wait"}:
        open_ = [c for c in names if row.get(f"{c}__person") is None]
        changes = []
        if open_:
            weakest = min(open_, key=lambda c: float(row[f"{c}__probability"]))
            spec = policy.criteria[weakest]
            now = percent(row[f"{weakest}__probability"])
            changes.append(
                f"A person answering no to '{spec.ask}' (now {now} yes) would make it no-hotfix."
            )
        window = policy.timing.wait_within_days
        if verdict == "hotfix":
            changes.append(f"A release or freeze within {window} day(s) would make it wait.")
        elif near:
            changes.append(f"A release more than {window} day(s) away would make it a hotfix now.")
        return changes
    wanted, chance = _lifting(policy, row)
    if wanted:
        asks = "; ".join(f"'{policy.criteria[crit].ask}'" for crit in wanted)
        return [
            f"A person answering yes to {asks} would make it a hotfix "
            f"(the evidence puts that at {percent(chance)})."
        ]
    said_no = [policy.criteria[c].title for c in names if row.get(f"{c}__person") == "no"]
    if said_no:
        return [f"A person answered no to '{said_no[0]}'; only a new answer would change this."]
    return ["Nothing a person could answer would make it qualify under this policy."]


def verdict_reason(policy: Policy, row: Mapping[str, Any]) -> str:
    """How the probability that the bug qualifies led to the verdict."""
    probability = float(row["probability"])
    bar = percent(policy.decision.hotfix_at)
    said = f"It qualifies with a probability of {percent(probability)}"
    if probability >= policy.decision.hotfix_at:
        return f"{said}: at or above the {bar} a hotfix needs."
    _, chance = _lifting(policy, row)
    if row["verdict"] == "needs-info":
        return (
            f"{said}, under the {bar} a hotfix needs; answers to the questions below could "
            f"lift it (a {percent(chance)} chance), so they are worth asking."
        )
    return (
        f"{said}, under the {bar} a hotfix needs, and answers are unlikely to change that "
        f"({percent(chance)} chance): a hotfix carries the burden of proof."
    )
