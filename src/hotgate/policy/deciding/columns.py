"""Decisions for a whole evaluated batch, built from its columns, as JSON-ready documents.

`engine.to_decision` builds one pydantic Decision per row and finds each signal's excerpt again
with Python regexes. Here a batch is explained at once: every excerpt a text signal can show is
found over the whole column with polars (the match's character offsets, then a window of 60
characters either side, whitespace folded), the learned reader's top terms are taken over the
whole column (`top_terms_column`), and each decision is assembled as plain dicts and lists in
exactly the shape and order of `Decision.model_dump(mode="json")`, with no model validated.

Byte for byte the same as the per-decision path (tests/policy/test_columns.py compares them).
Where polars and Python could read a text differently, the row falls back to the per-row code:
text holding the separators Python counts as whitespace and Rust does not (U+001C–U+001F), a
text whose lower case changes its length, and a negated phrase in a negatable signal's text
(the per-row code blanks it out before looking). A policy with a learned risk model has its
risk explained per row. `fallbacks` counts the rows and excerpts that went the per-row way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import polars as pl
from pydantic_core import to_jsonable_python

from hotgate.model import PERSON
from hotgate.policy.deciding.engine import VERDICT_RANK, Context, _near, timing_reasons
from hotgate.policy.deciding.explain import (
    TEXT_MODEL,
    asked,
    percent,
    verdict_reason,
    what_would_change,
)
from hotgate.policy.deciding.risk import explain_risk, risk_fields
from hotgate.policy.definition.belief import doubt_taken
from hotgate.policy.definition.condition import held, names_in
from hotgate.policy.definition.learned import learned_reasons
from hotgate.policy.definition.patterns import any_of, compiled, for_polars
from hotgate.policy.definition.schema import Policy
from hotgate.policy.reading.reader import text_scores, uses_reader
from hotgate.policy.reading.signals import (
    _explain_core_function,
    excerpt,
    explain_signal,
    field_evidence,
    find_in_text,
    negated_phrases,
)

Doc = dict[str, Any]
WIDTH = 60  # characters either side of a match, as signals.excerpt shows them
_CLAUSE_WORDS = ("but", "however", "although", "though", "whereas", "yet", "except")
# Python's str.split() and str.strip() take these as whitespace; Rust's do not.
_ODD_SPACE = "[\x1c-\x1f]"
_UNSAFE = object()


@dataclass
class Fallbacks:
    """How much of a batch went the per-row way: whole rows, and single excerpts."""

    rows: int = 0
    excerpts: int = 0


@dataclass
class _Excerpts:
    """Excerpts of one batch found over its columns, one column per (text, patterns, negation).

    Each is found only on the rows where its signal holds (the only rows that show it).
    """

    frame: pl.DataFrame
    fallbacks: Fallbacks
    found: dict[tuple[str, tuple[str, ...], str | None], list[Any]] = field(default_factory=dict)
    prepared: dict[str, pl.DataFrame] = field(default_factory=dict)

    def find(
        self,
        row: Mapping[str, Any],
        index: int,
        signal: str,
        column: str,
        patterns: list[str],
        negated: str | None,
    ) -> str | None:
        """What find_in_text(patterns, row[column], negated) gives, read from the batch."""
        text = row.get(column)
        if not patterns or not text:
            return None
        key = (column, tuple(patterns), negated)
        if key not in self.found:
            self.found[key] = self._column(signal, column, patterns, negated)
        value = self.found[key][index]
        if value is _UNSAFE:
            self.fallbacks.excerpts += 1
            return find_in_text(patterns, str(text), negated)
        if value is None:
            return None
        at, matched = value
        if not text.isascii():  # polars gives a byte offset into the lowered text
            at = len(text.lower().encode()[:at].decode())
        return excerpt(text, at, at + len(matched))

    def _prepare(self, column: str) -> pl.DataFrame:
        """The column lowered with clause words blanked (same length), and which rows are safe."""
        if column not in self.prepared:
            text = pl.col(column)
            lowered = text.str.to_lowercase()
            for word in _CLAUSE_WORDS:  # the same-length replacement find_in_text makes
                lowered = lowered.str.replace_all(for_polars(rf"\b{word}\b"), ";" * len(word))
            same_length = pl.col("_low").str.len_chars() == text.str.len_chars()
            safe = same_length & ~text.str.contains(_ODD_SPACE)
            self.prepared[column] = (
                self.frame.select(column, _low=lowered)
                .with_row_index("_i")
                .with_columns(_safe=safe.fill_null(True))
            )
        return self.prepared[column]

    def _column(
        self, signal: str, column: str, patterns: list[str], negated: str | None
    ) -> list[Any]:
        """Per row: _UNSAFE, None (no match), or the match's byte offset and its text."""
        prepared = self._prepare(column)
        if negated is not None and "_negated" not in prepared.columns:
            negation = pl.col("_low").str.contains(for_polars(negated)).fill_null(False)
            prepared = self.prepared[column] = prepared.with_columns(_negated=negation)
        if signal in self.frame.columns:
            prepared = prepared.filter(self.frame[signal].fill_null(False))
        pattern = for_polars(any_of(patterns))
        safe = pl.col("_safe") & ~pl.col("_negated") if negated is not None else pl.col("_safe")
        table = prepared.select(
            "_i",
            safe=safe,
            at=pl.col("_low").str.find(pattern),
            matched=pl.col("_low").str.extract(pattern, 0),
        )
        found: list[Any] = [_UNSAFE] * self.frame.height
        for i, ok, at, matched in table.iter_rows():
            found[i] = _UNSAFE if not ok else (None if at is None else (at, matched))
        return found


def _signal(name: str, value: Any, source: str, where: str, excerpt: str) -> Doc:
    if isinstance(value, str):
        value = value.strip()
    return {
        "name": name.strip(),
        "value": value,
        "source": source,
        "where": where.strip(),
        "excerpt": excerpt.strip(),
    }


class _Batch:
    """Everything about one batch and its policy that is the same on every row."""

    def __init__(self, policy: Policy, frame: pl.DataFrame, context: Context) -> None:
        self.policy, self.context = policy, context
        self.fallbacks = Fallbacks()
        self.excerpts = _Excerpts(frame, self.fallbacks)
        self.names = policy.criterion_names()
        # Per criterion, each rule's column, name, weight and reason, as a document shows them.
        self.rules = {
            crit: [
                (f"criteria.{crit}.rules[{j}].when", r.name.strip(), r.weight, r.because.strip())
                for j, r in enumerate(policy.criteria[crit].rules)
            ]
            for crit in self.names
        }
        self.negated = negated_phrases(policy)
        self.near = _near(policy, context)
        self.release = None if context.release is None else context.release.model_dump(mode="json")
        self.as_of = context.as_of.isoformat()
        self.policy_ref = {"name": policy.name.strip(), "sha256": policy.sha256.strip()}
        self.strict_risk = policy.learned is not None and policy.learned.risk is not None
        self.terms = top_terms_column(policy, frame)
        self.reads: dict[str, list[str]] = {}
        self.helds: dict[tuple[Any, ...], list[str]] = {}
        self.values: dict[str, list[Doc]] = {}  # the evidence of each name, for the row at hand

    # --- signals: explain_signal and explain_value, with excerpts read from the batch ---

    def signal(self, name: str, row: Mapping[str, Any], i: int) -> list[Doc]:
        policy = self.policy
        spec = policy.signals.get(name)
        if spec is None:
            if name.startswith("maintainer_"):  # rare, and read from the comment alone
                return [s.model_dump(mode="json") for s in explain_signal(policy, name, row)]
            if name == "core_function":
                return [s.model_dump(mode="json") for s in _explain_core_function(policy, row)]
            if name in policy.derived:
                node = policy.conditions[f"derived.{name}"]
                return [s for part in held(node, row) for s in self.value(part, row, i)]
            return []
        labels = row.get("labels") or []
        if spec.labels and labels:
            pattern = compiled(any_of(spec.labels))
            for label in labels:
                if pattern.fullmatch(str(label).lower()):
                    return [_signal(name, True, "label", "labels", label)]
        for where, values in spec.fields.items():
            value = row.get(where)
            if value is not None and str(value).lower() in {v.lower() for v in values}:
                return [_signal(name, True, "field", where, str(value))]
        negated = self.negated if spec.negatable else None
        find = self.excerpts.find
        found = find(row, i, name, "_prose", spec.text, negated) or find(
            row, i, name, "_workaround", spec.workaround_text, None
        )
        if found:
            return [_signal(name, True, "text", "text", found)]
        found = find(row, i, name, "_logs", spec.logs, None)
        if found:
            return [_signal(name, True, "text", "logs", found)]
        return []

    def value(self, name: str, row: Mapping[str, Any], i: int) -> list[Doc]:
        """The evidence a name shows for row i: worked out once per row (rules share names)."""
        found = self.values.get(name)
        if found is None:
            kind = self.policy.names.get(name)
            if kind == "bool" or name in self.policy.derived:
                found = self.signal(name, row, i) if row.get(name) else []
            else:
                found = [_signal(**fields) for fields in field_evidence(self.policy, name, row)]
            self.values[name] = found
        return found

    # --- criteria: explain.criterion_results and _evidence -------------------------------

    def criteria(self, row: Mapping[str, Any], i: int) -> list[Doc]:
        results = []
        for crit in self.names:
            spec = self.policy.criteria[crit]
            results.append(
                {
                    "name": crit,
                    "title": spec.title.strip(),
                    "questions": [q.strip() for q in spec.questions],
                    "answer": row[f"{crit}__answer"],
                    "probability": round(float(row[f"{crit}__probability"]), 3),
                    "evidence": self.evidence(crit, row, i),
                }
            )
        return results

    def evidence(self, crit: str, row: Mapping[str, Any], i: int) -> Doc:
        spec = self.policy.criteria[crit]
        leading = row.get(f"{crit}__rule")
        answer = row[f"{crit}__answer"]
        if leading == PERSON:
            signal = _signal(crit, answer, "answer", "answers", answer)
            return {
                "rule": PERSON,
                "because": "A person answered it.",
                "signals": [signal],
                "unknown": [],
                "factors": [],
            }
        factors: list[Doc] = []
        for place, rule, weight, reason in self.rules[crit]:
            if not row.get(place):
                continue
            names = self.held(place, row)
            factors.append(
                {
                    "rule": rule,
                    "weight": weight,
                    "because": reason,
                    "signals": [s for name in names for s in self.value(name, row, i)],
                }
            )
        text = self.text_factor(crit, row, i)
        if text is not None:
            factors.append(text)
        taken = doubt_taken(spec, crit, row)
        if taken is not None:
            doubt, weight = taken
            names = self.held(f"criteria.{crit}.doubt.when", row)
            factors.append(
                {
                    "rule": doubt.name.strip(),
                    "weight": weight,
                    "because": doubt.because.strip(),
                    "signals": [s for name in names for s in self.value(name, row, i)],
                }
            )
        factors.sort(key=lambda f: -abs(f["weight"]))
        yes = float(row[f"{crit}__probability"]) >= 0.5
        towards = [f for f in factors if (f["weight"] > 0) == yes]
        settled = answer != "unknown"
        because = (
            next((f["because"] for f in towards if f["rule"] == leading), None) if settled else None
        )
        signals: list[Doc] = []
        for factor in towards:
            signals.extend(s for s in factor["signals"] if s not in signals)
        return {
            "rule": leading,
            "because": because,
            "signals": signals,
            "unknown": [spec.ask.strip()] if answer == "unknown" else [],
            "factors": factors,
        }

    def held(self, place: str, row: Mapping[str, Any]) -> list[str]:
        """condition.held (or every name it reads, when none held), memoised on its inputs."""
        node = self.policy.conditions[place]
        names = self.reads.get(place)
        if names is None:
            names = self.reads[place] = names_in(node)
        key = (place, *(row.get(name) for name in names))
        try:
            found = self.helds.get(key)
        except TypeError:  # a value that cannot be a key (a list): worked out afresh
            return held(node, row) or names
        if found is None:
            found = self.helds[key] = held(node, row) or names
        return found

    def text_factor(self, crit: str, row: Mapping[str, Any], i: int) -> Doc | None:
        setting = self.policy.criteria[crit].text_model
        score = row.get("text_score")
        if setting is None or score is None or not setting.weight:
            return None
        weight = round(setting.weight * max(-setting.cap, min(setting.cap, float(score))), 2)
        terms = self.terms[i] if self.terms is not None else ""
        leaning = "severe" if weight > 0 else "minor"
        because = f"The learned reader of reports rates the wording as {leaning}" + (
            f" ({terms})." if terms else "."
        )
        return {"rule": TEXT_MODEL, "weight": weight, "because": because.strip(), "signals": []}

    # --- the risk: risk.explain_risk ------------------------------------------------------

    def risk(self, row: Mapping[str, Any]) -> Doc:
        if self.strict_risk:
            return explain_risk(self.policy, row).model_dump(mode="json")
        return risk_fields(self.policy, row)

    # --- the whole decision: engine.to_decision -------------------------------------------

    def decision(self, row: Mapping[str, Any], i: int) -> Doc:
        policy, context = self.policy, self.context
        self.values = {}  # a new row: its names' evidence is worked out afresh
        verdict = row["verdict"]
        reasons: list[str] = []
        override = row.get("override")
        if override:
            item = next(o for o in policy.overrides if o.name == override)
            reasons.append(f"Override '{override}': {item.because}")
        criteria = self.criteria(row, i)
        reasons.extend(_criterion_reason(result) for result in criteria)
        if not override:
            reasons.append(verdict_reason(policy, row))
            reasons.extend(learned_reasons(policy, row))
            reasons.extend(timing_reasons(policy, context, row))
        asking = asked(policy, row) if verdict == "needs-info" else []
        return {
            "subject": {
                "kind": "issue",
                "key": _strip(row["key"]),
                "title": _strip(row["title"]),
                "url": _strip(row.get("url")),
                "source": _strip(row.get("source")),
                "component": _strip(row.get("component")),
                "reported": to_jsonable_python(row.get("created")),
            },
            "verdict": verdict,
            "probability": round(float(row["probability"]), 3),
            "criteria": criteria,
            "questions": [policy.criteria[crit].ask.strip() for crit in asking],
            "what_would_change": [s.strip() for s in what_would_change(policy, row, self.near)],
            "release": self.release,
            "risk": self.risk(row),
            "reasons": [reason.strip() for reason in reasons],
            "override": _strip(override),
            "as_of": self.as_of,
            "policy": self.policy_ref,
        }


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _criterion_reason(result: Doc) -> str:
    """explain.criterion_reason over a criterion document."""
    title, answer, evidence = result["title"], result["answer"], result["evidence"]
    probability = result["probability"]
    shown = f" ({percent(probability)} yes)" if probability is not None else ""
    if answer != "unknown" and evidence["because"]:
        return f"{title} {answer.capitalize()}{shown}: {evidence['because']}"
    if answer != "unknown":
        return f"{title} {answer.capitalize()}{shown}: the evidence together says so."
    if evidence["factors"]:
        return f"{title} Unknown{shown}: the evidence does not settle it."
    return f"{title} Unknown{shown}: nothing in the report speaks to it."


def _odd_rows(frame: pl.DataFrame) -> list[bool]:
    """Rows whose strings hold whitespace Python and polars tell apart: decided per row."""
    texts = [c for c in ("key", "title", "url", "source", "component") if c in frame.columns]
    checks = [pl.col(c).str.contains(_ODD_SPACE).fill_null(False) for c in texts]
    if "labels" in frame.columns:
        joined = pl.col("labels").list.join("\n").fill_null("")
        checks.append(joined.str.contains(_ODD_SPACE))
    if not checks:
        return [False] * frame.height
    return frame.select(pl.any_horizontal(checks)).to_series().to_list()


def decision_documents(
    policy: Policy, evaluated: pl.DataFrame, context: Context, fallbacks: Fallbacks | None = None
) -> list[Doc]:
    """Every row of an evaluated batch (engine.evaluate) as `Decision.model_dump(mode="json")`.

    In the batch's order; fallbacks, when given, counts what was decided per row.
    """
    from hotgate.policy.deciding.engine import to_decision  # the per-row path, for the odd rows

    batch = _Batch(policy, evaluated, context)
    odd = _odd_rows(evaluated)
    documents = []
    for i, row in enumerate(evaluated.iter_rows(named=True)):
        if odd[i]:
            batch.fallbacks.rows += 1
            documents.append(to_decision(policy, row, context).model_dump(mode="json"))
        else:
            documents.append(batch.decision(row, i))
    if fallbacks is not None:
        fallbacks.rows += batch.fallbacks.rows
        fallbacks.excerpts += batch.fallbacks.excerpts
    return documents


def json_lines(documents: Sequence[Doc]) -> bytes:
    """Decision documents as JSON Lines, each as decision_json writes one."""
    return b"".join(orjson.dumps(document) + b"\n" for document in documents)


def documents_of(lines: bytes) -> list[Doc]:
    """The documents of a block of JSON Lines that json_lines wrote, in order."""
    return [orjson.loads(line) for line in lines.splitlines()]


def _rank_key(document: Doc) -> tuple[int, float, str]:
    return (
        VERDICT_RANK[document["verdict"]],
        -document["risk"]["cost_of_waiting"],
        document["subject"]["key"],
    )


def ranked(documents: list[Doc]) -> list[Doc]:
    """Decision documents in the order `triage --format json` lists them: hotfixes first."""
    return sorted(documents, key=_rank_key)


RankedEntry = tuple[tuple[int, float, str], bytes]


def ranked_entries(documents: Iterable[Doc]) -> list[RankedEntry]:
    """Each document's rank (`_rank_key`) and its bytes as an element of the indented array
    `ranked_json` writes; only these bytes need be kept to rank a run, a fraction of the memory
    its dicts take (a whole 100,000-issue run held 2.7 GiB as dicts)."""
    entries = []
    for document in documents:
        lines = orjson.dumps(document, option=orjson.OPT_INDENT_2).split(b"\n")
        # JSON text holds no raw newline, so each line is one line of the array's element.
        entries.append((_rank_key(document), b"\n  ".join([b"  " + lines[0], *lines[1:]])))
    return entries


def ranked_json(batches: Iterable[list[RankedEntry]]) -> Iterator[bytes]:
    """The bytes of `orjson.dumps(ranked(all documents), option=OPT_INDENT_2)` and a newline,
    from every batch's `ranked_entries`, given a document at a time for a writer that streams
    them."""
    encoded = [entry for batch in batches for entry in batch]
    if not encoded:
        yield b"[]\n"
        return
    encoded.sort(key=lambda entry: entry[0])
    yield b"[\n"
    for i, (_, body) in enumerate(encoded):
        yield (b",\n" if i else b"") + body
    yield b"\n]\n"


# --- the learned reader's top terms, for a whole batch -----------------------------------------


def top_terms_column(policy: Policy, frame: pl.DataFrame) -> list[str] | None:
    """reader.with_text_terms's `text_terms` for every row: "'a', 'b', 'c'" or "" (per row).

    None when the policy does not weigh the reader. Read in one pass over the batch by the
    reader (`text_scores(..., terms=True)`), unless `evaluate` read them already.
    """
    if not uses_reader(policy) or "text_score" not in frame.columns or frame.is_empty():
        return None
    read = text_scores(policy, frame, terms=True)
    return [terms or "" for terms in read["text_terms"]]


def batches_as_json_lines(
    policy: Policy, frames: Iterator[pl.DataFrame], context: Context
) -> Iterator[bytes]:
    """Each evaluated batch as one block of JSON Lines."""
    for frame in frames:
        yield json_lines(decision_documents(policy, frame, context))
