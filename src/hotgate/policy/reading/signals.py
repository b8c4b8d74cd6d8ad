"""Reading signals from issues' fields, labels and text, for a whole batch at once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from hotgate.model import Comment, Issue, Signal
from hotgate.policy.definition.condition import held, holds, names_in, to_polars
from hotgate.policy.definition.patterns import (
    SMALL_BATCH,
    Searcher,
    any_of,
    compiled,
    first_match,
    for_polars,
    matches,
    matches_any,
    searcher,
)
from hotgate.policy.definition.schema import Policy, SignalSpec, made_once
from hotgate.policy.reading.structure import logs, logs_text, prose, prose_text

ISSUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "key": pl.String,
    "source": pl.String,
    "title": pl.String,
    "body": pl.String,
    "comment_text": pl.String,
    "maintainer_text": pl.String,
    "labels": pl.List(pl.String),
    "type": pl.String,
    "severity": pl.String,
    "severity_raw": pl.String,
    "priority": pl.String,
    "priority_raw": pl.String,
    "status": pl.String,
    "resolution": pl.String,
    "component": pl.String,
    "product": pl.String,
    "duplicates": pl.Int64,
    "votes": pl.Int64,
    "reactions": pl.Int64,
    "watchers": pl.Int64,
    "comment_count": pl.Int64,
    "affected_share": pl.Float64,
    "fix_lines": pl.Int64,
    "fix_files": pl.Int64,
    "fix_has_tests": pl.Boolean,
    "url": pl.String,
    "answers": pl.String,
    "created": pl.Datetime("us", "UTC"),
}
WORKAROUND_WINDOW = 400
_STEP = r"(?:^|\n)\s*(?:\d+[.)]|[-*•]|step \d+)\s|\bthen\b"
# Words that start a new clause: a negation before them does not reach past them.
CLAUSE_BREAK = r"\b(?:but|however|although|though|whereas|yet|except)\b"
# A share of users the report says the bug reaches ("affects about 5% of users", "0.3% of sessions
# crash", "only s390x is affected, under 0.1% of installs"): the share and the people it counts
# (all of them: "12% of Windows users" is a share of a part, not of everyone),
# with a word of being affected in the same clause (a full stop inside a version number does not
# end it), before the share (group 1) or after it (group 2), or the share of those just named
# ("… fails. That's about 85% of people", group 3).
# A share said of something else ("only 15% of our customers pay that way") is no reach.
_SHARE_OF = (
    r" ?% of (?:all |our |the )?(?:active )?(?:users|customers|visitors|sessions|installs|"
    r"installations|people|clients|requests|page ?views|accounts|devices|machines|tenants|"
    r"merchants|players|subscribers)\b"
)
_AFFECTED = (
    r"(?:affect(?:s|ed|ing)?|hit(?:s|ting)?|impact(?:s|ed|ing)?|reach(?:es|ed)?|see(?:s|ing)?|saw|"
    r"get(?:s|ting)?|got|report(?:s|ed|ing)?|crash(?:es|ed|ing)?|fail(?:s|ed|ing)?|experienc\w*|"
    r"run into|ran into)\b"
)
_SHARE = (
    rf"\b{_AFFECTED}(?:[^.;!?\n]|\.\w){{0,60}}?\b(\d{{1,3}}(?:\.\d+)?){_SHARE_OF}"
    rf"|\b(\d{{1,3}}(?:\.\d+)?){_SHARE_OF}(?:[^.;!?\n]|\.\w){{0,40}}?\b{_AFFECTED}"
    rf"|\b(?:that['’]?s|that is|this is|which is|those are|they are|they['’]re) "
    rf"(?:about |around |roughly |nearly |almost |over |under |well under |well over |~ ?)?"
    rf"(\d{{1,3}}(?:\.\d+)?){_SHARE_OF}"
)


def issue_row(issue: Issue) -> dict[str, Any]:
    """Flatten an issue into one row of the evaluation frame."""
    row = issue.model_dump(
        include=set(ISSUE_SCHEMA) - {"comment_text", "maintainer_text", "answers"}
    )
    row["comment_text"] = "\n\n".join(c.text for c in issue.comments if c.role != "maintainer")
    row["maintainer_text"] = (
        "\n\n".join(c.text for c in issue.comments if c.role == "maintainer") or None
    )
    row["answers"] = ",".join(f"{k}={v}" for k, v in issue.answers.items())
    return row


def issue_from_row(row: dict[str, Any]) -> Issue:
    """An Issue from one row of the evaluation frame (the inverse of issue_row)."""
    fields = {k: v for k, v in row.items() if k in Issue.model_fields and v is not None}
    fields["comments"] = [
        Comment(text=row[part], role=role)
        for part, role in (("comment_text", "other"), ("maintainer_text", "maintainer"))
        if row.get(part)
    ]
    answers = (row.get("answers") or "").split(",")
    fields["answers"] = dict(a.split("=", 1) for a in answers if "=" in a)
    return Issue.model_validate(fields)


def issues_frame(issues: Iterable[Issue]) -> pl.DataFrame:
    """Build the evaluation frame for a batch of issues."""
    return pl.DataFrame([issue_row(issue) for issue in issues], schema=ISSUE_SCHEMA)


Scale = Literal["severity", "priority"]
LABEL_SEP = "\x1f"


def label_vocabulary(frame: pl.DataFrame) -> list[str]:
    """The distinct labels of a batch, lower-cased: a few hundred even for a million issues."""
    labels = frame["labels"].explode().drop_nulls().str.to_lowercase().unique()
    return sorted(labels.to_list())


def _label_hit(labels: list[str]) -> pl.Expr:
    # Label patterns are matched against the batch's vocabulary in Python (see _matching);
    # the frame then only looks for whole labels, with no regex to compile per batch.
    if not labels:
        return pl.lit(False)
    return pl.col("_labels").str.contains_any(
        [f"{LABEL_SEP}{label}{LABEL_SEP}" for label in labels]
    )


def _matching(patterns: list[str], vocabulary: list[str]) -> list[str]:
    """The labels of the vocabulary that one of the patterns matches in full."""
    pattern = compiled(any_of(patterns))
    return [label for label in vocabulary if pattern.fullmatch(label)]


def negated_phrases(policy: Policy) -> str:
    """One pattern for every negatable phrase preceded by a negation ("does not crash")."""
    phrases = [p for spec in policy.signals.values() if spec.negatable for p in spec.text]
    return policy.negation + any_of(phrases)


def _spec_hit(name: str, spec: SignalSpec, small: bool) -> pl.Expr:
    parts: list[pl.Expr] = []
    if spec.labels:
        parts.append(pl.col(f"_label_{name}"))
    for field, values in spec.fields.items():
        parts.append(pl.col(field).str.to_lowercase().is_in([v.lower() for v in values]))
    if spec.text:
        # Negatable phrases are looked for in the text with negated phrases taken out.
        where = "_clean" if spec.negatable else "_text"
        parts.append(matches_any(pl.col(where), spec.text, small))
    if spec.workaround_text:
        parts.append(matches_any(pl.col("_workaround"), spec.workaround_text, small))
    if spec.logs:
        parts.append(matches_any(pl.col("_logs"), spec.logs, small))
    if not parts:
        return pl.lit(False)
    return pl.any_horizontal(parts).fill_null(False)


def _batch_columns(policy: Policy, vocabulary: list[str]) -> dict[str, pl.Expr]:
    """The batch's own part: what its labels show, and the severity and priority levels."""
    columns = {
        f"_label_{name}": _label_hit(_matching(spec.labels, vocabulary))
        for name, spec in policy.signals.items()
        if spec.labels
    }
    scales: tuple[Scale, ...] = ("severity", "priority")
    levels = {scale: _scale(policy, scale, vocabulary) for scale in scales}
    columns["priority_level"] = levels["priority"]
    columns["severity_level"] = pl.coalesce(
        levels["severity"],
        levels["priority"].replace_strict(
            policy.scales.severity_from_priority, default=None, return_dtype=pl.String
        ),
    )
    return columns


def _scale(policy: Policy, scale: Scale, vocabulary: list[str]) -> pl.Expr:
    lookup = policy.scales.lookup(scale)
    from_field = pl.col(f"{scale}_raw").str.to_lowercase().replace_strict(lookup, default=None)
    by_label = []  # the most severe level among the labels wins
    for level in sorted(set(lookup.values())):
        labels = [label for label in vocabulary if lookup.get(label) == level]
        if labels:
            by_label.append(pl.when(_label_hit(labels)).then(pl.lit(level)))
    return pl.coalesce(pl.col(scale), from_field, *by_label, pl.lit(None, dtype=pl.String))


Stages = list[dict[str, pl.Expr]]


def _derived_stages(policy: Policy) -> Stages:
    """Derived signals in as few steps as their order allows (one may use those before it)."""
    stages: Stages = [{}]
    for name in policy.derived:
        node = policy.conditions[f"derived.{name}"]
        if any(used in stages[-1] for used in names_in(node)):
            stages.append({})
        stages[-1][name] = to_polars(node)
    return [stage for stage in stages if stage]


def _signal_stages(
    policy: Policy, small: bool = False
) -> tuple[Stages, dict[str, pl.Expr], Stages]:
    """The columns every batch needs, before, beside and after its own; built once.

    With `small`, for a batch of at most SMALL_BATCH rows, the lexicon matches text by text
    (`patterns.searcher`).
    """
    clauses = for_polars(CLAUSE_BREAK)
    raw = pl.concat_str(
        [pl.col("title"), pl.col("body"), pl.col("comment_text"), pl.col("maintainer_text")],
        separator="\n\n",  # a blank line: the title, body and comments never join as one sentence
        ignore_nulls=True,
    )
    split = {
        "_labels": pl.concat_str(
            [pl.lit(LABEL_SEP), pl.col("labels").list.join(LABEL_SEP), pl.lit(LABEL_SEP)]
        ).str.to_lowercase(),
        "_prose": prose(raw),
        "_logs": logs(raw).str.to_lowercase(),
        "_maint": prose(pl.col("maintainer_text")).str.to_lowercase().str.replace_all(clauses, ";"),
    }
    text = {"_text": pl.col("_prose").str.to_lowercase().str.replace_all(clauses, ";")}
    negated = for_polars(negated_phrases(policy))
    prepared = {
        "_clean": pl.col("_text").str.replace_all(negated, " "),
        "_maint_clean": pl.col("_maint").str.replace_all(negated, " "),
        # The text from the first workaround phrase on, the phrase included: "downgrading to
        # 4.1.3 avoids it" and "admins can add…" name what the workaround needs in the phrase
        # itself. str.find gives a byte offset (no capture group, so the regex keeps its fast
        # engine), hence the cut in bytes; a match starts on a character's first byte.
        "_workaround": pl.col("_text")
        .cast(pl.Binary)
        .bin.slice(first_match(pl.col("_text"), policy.signals["workaround_offered"].text))
        .cast(pl.String)
        .str.slice(0, WORKAROUND_WINDOW),
        # Only texts with "% of" can hold a share: the others skip the pattern's search.
        "_mentioned_share": (
            pl.when(pl.col("_text").str.contains("% of", literal=True))
            .then(pl.col("_text"))
            .str.extract_groups(for_polars(_SHARE))
            .struct.with_fields(pl.coalesce(pl.field(g) for g in "123").alias("share"))
            .struct.field("share")
            .cast(pl.Float64)
            / 100
        ),
    }
    core = any_of([p for patterns in policy.core_functions.values() for p in patterns])
    columns = {name: _spec_hit(name, spec, small) for name, spec in policy.signals.items()}
    for name in policy.maintainer_signals:
        spec = policy.signals[name]
        where = "_maint_clean" if spec.negatable else "_maint"
        columns[f"maintainer_{name}"] = matches_any(pl.col(where), spec.text, small).fill_null(
            False
        )
    columns["audience"] = pl.lit(policy.audience)
    # The summary names the function that fails; steps to reproduce mention many in passing.
    columns["core_function"] = (
        matches(pl.col("title").str.to_lowercase(), core, small)
        | matches(pl.col("component").str.to_lowercase(), core, small)
    ).fill_null(False)
    columns["severity"] = pl.col("severity_level").str.slice(1).cast(pl.Int64)
    columns["priority"] = pl.col("priority_level").str.slice(1).cast(pl.Int64)
    columns["comments"] = pl.col("comment_count")
    columns["share"] = pl.coalesce(pl.col("affected_share"), pl.col("_mentioned_share"))
    columns["workaround_steps"] = (
        pl.col("_workaround").str.count_matches(for_polars(_STEP)).fill_null(0).cast(pl.Int64)
    )
    return [split, text], prepared, [columns, *_derived_stages(policy)]


def with_stages(frame: pl.LazyFrame, stages: Stages) -> pl.LazyFrame:
    """The frame with each stage's columns added in turn (a stage may use the ones before)."""
    for columns in stages:
        frame = frame.with_columns(**columns)
    return frame


def _small_signal_stages(policy: Policy) -> tuple[Stages, dict[str, pl.Expr], Stages]:
    return _signal_stages(policy, small=True)


def read_signals(
    policy: Policy, frame: pl.LazyFrame, vocabulary: list[str], rows: int | None = None
) -> pl.LazyFrame:
    """Add a column for every signal, derived signal and numeric field the policy can use.

    rows: the batch's height when known; a batch of at most SMALL_BATCH rows matches the
    lexicon text by text (see patterns.SMALL_BATCH), the same answers at a fraction of the cost.
    """
    small = rows is not None and rows <= SMALL_BATCH
    before, prepared, after = made_once(policy, _small_signal_stages if small else _signal_stages)
    batch = {**prepared, **_batch_columns(policy, vocabulary)}
    return with_stages(frame, [*before, batch, *after])


# --- a few subjects in Python: the same columns without a polars query per signal ---------------


def signals_of_rows(policy: Policy, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """read_signals for a few rows (`issues_frame` rows as dicts), in place: the same values,
    read in Python.

    The text is prepared as `_signal_stages` prepares it for a batch (structure, lower case,
    negations; `_prepare_text`, held equal to the polars query by tests/policy/test_by_row.py),
    then each signal, level and derived signal is worked out row by row with RE2 (`searcher`),
    as a small batch reads the lexicon. One bug is read and decided in about 1 ms this way,
    where the whole query costs polars 20 ms or more for one row (its fixed cost per
    expression, see engine.ROW_BATCH) and the text query alone 0.8 ms. Lower-cased copies of
    fields (`_low_*`) are left in the rows.
    """
    reading = made_once(policy, _row_reading)
    for row in rows:
        _prepare_text(reading, row)
        _signals_of_row(policy, reading, row)
    return rows


@dataclass(frozen=True)
class _RowReading:
    """What reading a row needs from the policy, made once per policy (`_row_reading`): every
    pattern as one compiled searcher (RE2 or Python's re, `searcher`), and the lookups."""

    # the text's preparation (these four are also used to replace, hence Any)
    clauses: Any  # CLAUSE_BREAK
    negated: Any  # negated_phrases
    workaround_start: Any
    share: Any
    step: re.Pattern[str]
    lowered: list[str]  # the fields copied in lower case (`_low_<field>`)
    # the signals: each one's text, workaround and log patterns (None: none of that part)
    texts: dict[str, tuple[Searcher | None, Searcher | None, Searcher | None]]
    maintainer: dict[str, Searcher]
    core: Searcher  # every core function's patterns as one
    field_values: dict[str, dict[str, frozenset[str]]]  # signal -> field -> values, lower case
    lookups: dict[Scale, dict[str, str]]  # scales.lookup, per scale
    levels: dict[Scale, list[str]]  # each scale's levels, most severe first
    from_priority: dict[str, str]  # scales.severity_from_priority


def _row_reading(policy: Policy) -> _RowReading:
    def of(patterns: list[str]) -> Searcher | None:  # no patterns: no part of the signal
        return searcher(any_of(patterns)) if patterns else None

    lookups: dict[Scale, dict[str, str]] = {
        "severity": policy.scales.lookup("severity"),
        "priority": policy.scales.lookup("priority"),
    }
    return _RowReading(
        clauses=searcher(CLAUSE_BREAK),
        negated=searcher(negated_phrases(policy)),
        workaround_start=searcher(any_of(policy.signals["workaround_offered"].text)),
        share=searcher(_SHARE),
        step=compiled(_STEP),
        lowered=sorted(
            {f for spec in policy.signals.values() for f in spec.fields}
            | {"severity_raw", "priority_raw", "title", "component"}
        ),
        texts={
            name: (of(spec.text), of(spec.workaround_text), of(spec.logs))
            for name, spec in policy.signals.items()
        },
        maintainer={
            name: searcher(any_of(policy.signals[name].text)) for name in policy.maintainer_signals
        },
        core=searcher(any_of([p for found in policy.core_functions.values() for p in found])),
        field_values={
            name: {f: frozenset(v.lower() for v in values) for f, values in spec.fields.items()}
            for name, spec in policy.signals.items()
        },
        lookups=lookups,
        levels={scale: sorted(set(lookup.values())) for scale, lookup in lookups.items()},
        from_priority=_severity_of_priority(policy),
    )


def _prepare_text(reading: _RowReading, row: dict[str, Any]) -> None:
    """The text columns `_signal_stages` makes, for one row in Python (the same values), and
    lower-cased copies of the fields the lexicon and the scales compare (`_low_<field>`)."""
    parts = [row.get(c) for c in ("title", "body", "comment_text", "maintainer_text")]
    raw = "\n\n".join(part for part in parts if part is not None)
    labels = row.get("labels")
    row["_labels"] = (
        None
        if labels is None
        else (LABEL_SEP + LABEL_SEP.join(x for x in labels if x is not None) + LABEL_SEP).lower()
    )
    row["_prose"] = prose_text(raw)
    row["_logs"] = logs_text(raw).lower()
    maintainer = row.get("maintainer_text")
    row["_maint"] = None if maintainer is None else _clauses_cut(reading, prose_text(maintainer))
    lowered = row["_text"] = _clauses_cut(reading, row["_prose"])
    row["_clean"] = reading.negated.sub(" ", lowered)
    row["_maint_clean"] = None if row["_maint"] is None else reading.negated.sub(" ", row["_maint"])
    start = reading.workaround_start.search(lowered)
    workaround = None if start is None else lowered[start.start() :][:WORKAROUND_WINDOW]
    row["_workaround"] = workaround
    share = reading.share.search(lowered)
    row["_mentioned_share"] = (
        None if share is None else float(share[1] or share[2] or share[3]) / 100
    )
    for field in reading.lowered:
        value = row.get(field)
        row[f"_low_{field}"] = None if value is None else value.lower()
    row["_low_labels"] = (
        None if labels is None else [None if x is None else x.lower() for x in labels]
    )
    steps = 0 if workaround is None else sum(1 for _ in reading.step.finditer(workaround))
    row["workaround_steps"] = steps


def _clauses_cut(reading: _RowReading, prose: str) -> str:
    """Prose in lower case with each clause word as ';' (the `_text` and `_maint` columns)."""
    cut: str = reading.clauses.sub(";", prose.lower())
    return cut


def _signals_of_row(policy: Policy, reading: _RowReading, row: dict[str, Any]) -> None:
    vocabulary = sorted({label for label in row["_low_labels"] or [] if label is not None})
    for name, spec in policy.signals.items():
        if spec.labels:
            row[f"_label_{name}"] = _label_in(row, _matching(spec.labels, vocabulary))
    severity, priority = (_scale_of(reading, s, vocabulary, row) for s in ("severity", "priority"))
    row["priority_level"] = priority
    row["severity_level"] = _first(severity, reading.from_priority.get(priority or ""))
    for name, spec in policy.signals.items():
        row[name] = _spec_hit_of(name, spec, reading, row)
    for name, search in reading.maintainer.items():
        where = "_maint_clean" if policy.signals[name].negatable else "_maint"
        row[f"maintainer_{name}"] = _hit(search, row[where])
    row["audience"] = policy.audience
    row["core_function"] = _hit(reading.core, row["_low_title"]) or _hit(
        reading.core, row["_low_component"]
    )
    for scale in ("severity", "priority"):
        level = row[f"{scale}_level"]
        row[scale] = None if level is None else int(level[1:])
    row["comments"] = row["comment_count"]
    row["share"] = _first(row["affected_share"], row["_mentioned_share"])
    for name in policy.derived:
        row[name] = holds(policy.conditions[f"derived.{name}"], row)


def _label_in(row: Mapping[str, Any], labels: list[str]) -> bool:
    """`_label_hit` for one row: one of the labels, whole, among the row's."""
    joined = row["_labels"]
    return joined is not None and any(
        f"{LABEL_SEP}{label}{LABEL_SEP}" in joined for label in labels
    )


def _scale_of(
    reading: _RowReading, scale: Scale, vocabulary: list[str], row: Mapping[str, Any]
) -> str | None:
    """`_scale` for one row: its own level, its raw value's, or the most severe label's."""
    lookup = reading.lookups[scale]
    raw = row[f"_low_{scale}_raw"]
    by_field = None if raw is None else lookup.get(raw)
    by_label = next(
        (
            level
            for level in reading.levels[scale]
            if _label_in(row, [label for label in vocabulary if lookup.get(label) == level])
        ),
        None,
    )
    level: str | None = _first(row[scale], by_field, by_label)
    return level


def _spec_hit_of(name: str, spec: SignalSpec, reading: _RowReading, row: Mapping[str, Any]) -> bool:
    """`_spec_hit` for one row."""
    if spec.labels and row[f"_label_{name}"]:
        return True
    if any(row[f"_low_{field}"] in values for field, values in reading.field_values[name].items()):
        return True
    text, workaround, logs = reading.texts[name]
    return (
        _hit(text, row["_clean" if spec.negatable else "_text"])
        or _hit(workaround, row["_workaround"])
        or _hit(logs, row["_logs"])
    )


def _hit(search: Searcher | None, text: str | None) -> bool:
    """`matches` for one text, with a missing text (or no pattern) read as no match."""
    return search is not None and text is not None and search.search(text) is not None


def _first(*values: Any) -> Any:
    """The first value that is not None (polars' coalesce), or None."""
    return next((value for value in values if value is not None), None)


# --- explaining one subject: where each signal came from ---------------------------------------


def excerpt(text: str, start: int, end: int, width: int = 60) -> str:
    """The words around a match, with … where the text goes on."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    snippet = " ".join(text[left:right].split())
    return ("…" if left else "") + snippet + ("…" if right < len(text) else "")


def find_in_text(patterns: list[str], text: str, negated: str | None) -> str | None:
    """The excerpt around the first match outside the negated phrases, or None."""
    if not patterns or not text:
        return None
    return _find(patterns, text, _searchable(text, negated))


def _searchable(text: str, negated: str | None) -> str:
    """The text lower-cased with clause words and negated phrases blanked, offsets kept."""
    # Same-length replacements keep offsets into the original text for the excerpt.
    lowered = compiled(CLAUSE_BREAK).sub(lambda m: ";" * len(m.group()), text.lower())
    if negated:
        lowered = compiled(negated).sub(lambda m: " " * len(m.group()), lowered)
    return lowered


def _find(patterns: list[str], text: str, searchable: str) -> str | None:
    match = searcher(any_of(patterns)).search(searchable)
    return excerpt(text, match.start(), match.end()) if match else None


def explain_signal(policy: Policy, name: str, row: Mapping[str, Any]) -> list[Signal]:
    """Where a true signal came from in one subject: labels, fields or an excerpt of text."""
    spec = policy.signals.get(name)
    if spec is None and name.startswith("maintainer_"):
        read = policy.signals[name.removeprefix("maintainer_")]
        words = prose_of(str(row.get("maintainer_text") or ""))
        found = find_in_text(read.text, words, negated_phrases(policy) if read.negatable else None)
        where = "maintainer comment"
        return [Signal(name=name, value=True, source="text", where=where, excerpt=found or "")]
    if spec is None:
        if name == "core_function":
            return _explain_core_function(policy, row)
        if name in policy.derived:
            node = policy.conditions[f"derived.{name}"]
            return [s for part in held(node, row) for s in explain_value(policy, part, row)]
        return []
    for label in row.get("labels") or []:
        if spec.labels and compiled(any_of(spec.labels)).fullmatch(str(label).lower()):
            return [Signal(name=name, value=True, source="label", where="labels", excerpt=label)]
    for field, values in spec.fields.items():
        value = row.get(field)
        if value is not None and str(value).lower() in {v.lower() for v in values}:
            return [Signal(name=name, value=True, source="field", where=field, excerpt=str(value))]
    negated = negated_phrases(policy) if spec.negatable else None
    found = find_in_text(spec.text, str(row.get("_prose") or ""), negated) or find_in_text(
        spec.workaround_text, str(row.get("_workaround") or ""), None
    )
    if found:
        return [Signal(name=name, value=True, source="text", where="text", excerpt=found)]
    found = find_in_text(spec.logs, str(row.get("_logs") or ""), None)
    if found:
        return [Signal(name=name, value=True, source="text", where="logs", excerpt=found)]
    return []


def prose_of(text: str) -> str:
    """One text's prose, as the batch reads it (for explaining a single subject)."""
    return str(pl.select(prose(pl.lit(text, dtype=pl.String))).item() or "")


def _explain_core_function(policy: Policy, row: Mapping[str, Any]) -> list[Signal]:
    fields = [(where, str(row.get(where) or "")) for where in ("component", "title")]
    read = [(where, text, _searchable(text, None)) for where, text in fields if text]
    for function, patterns in policy.core_functions.items():
        for where, haystack, searchable in read:
            found = _find(patterns, haystack, searchable) if patterns else None
            if found:
                source = "field" if where == "component" else "text"
                return [
                    Signal(
                        name=f"core_function:{function}",
                        value=True,
                        source=source,
                        where=where,
                        excerpt=found,
                    )
                ]
    return []


def explain_value(policy: Policy, name: str, row: Mapping[str, Any]) -> list[Signal]:
    """The evidence for one name a condition used: a true signal, or a field's value."""
    kind = policy.names.get(name)
    if kind == "bool" or name in policy.derived:
        return explain_signal(policy, name, row) if row.get(name) else []
    return [Signal.model_validate(fields) for fields in field_evidence(policy, name, row)]


def field_evidence(policy: Policy, name: str, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The evidence of a field's value (not a true signal's) as Signal's fields, plain data.

    None or a count of nothing gives none; severity and priority show their level and where it
    came from (the tracker's own value, or the label that set it), a share its source
    (telemetry or the report's words), workaround_steps the steps counted in the workaround.
    """
    value = row.get(name)
    if value is None:
        return []
    if name in ("severity", "priority"):
        scale: Scale = "severity" if name == "severity" else "priority"
        raw = row.get(f"{name}_raw")
        shown = str(row.get(f"{name}_level"))
        if raw:
            return [
                _evidence(name, shown, "field", f"{name}_raw", f"{shown} (tracker value {raw!r})")
            ]
        if name == "severity" and row.get("priority_raw"):
            excerpt = f"{shown} (from priority {row.get('priority_raw')!r})"
            return [_evidence(name, shown, "field", "priority_raw", excerpt)]
        label = _level_label(policy, scale, shown, row.get("labels") or [])
        if label is not None:
            return [_evidence(name, shown, "label", "labels", f"{shown} (label {label!r})")]
        return [_evidence(name, shown, "field", name, shown)]
    if name == "workaround_steps":
        steps = int(value)
        return (
            [_evidence(name, float(steps), "text", "workaround", f"{steps} steps")] if steps else []
        )
    if name == "share":
        if row.get("affected_share") is not None:
            shown = f"{float(value):.0%} of users"
            return [_evidence("share", float(value), "telemetry", "affected_share", shown)]
        found = find_in_text([_SHARE], str(row.get("_text") or ""), None)
        return [_evidence("share", float(value), "text", "text", found or f"{float(value):.0%}")]
    counts = {"duplicates", "votes", "reactions", "watchers", "comments"}
    if name in counts and not value:
        return []  # a count of nothing is no evidence
    source = "count" if name in counts else "field"
    shown_value = float(value) if isinstance(value, (int, float)) else str(value)
    return [_evidence(name, shown_value, source, name, str(value))]


def _level_label(policy: Policy, scale: Scale, level: str, labels: Iterable[Any]) -> str | None:
    """The first label that sets this severity or priority level, or None."""
    levels = made_once(policy, _levels_by_label)[scale]
    return next(
        (str(label) for label in labels if level in levels.get(str(label).lower(), ())), None
    )


def _levels_by_label(policy: Policy) -> dict[Scale, dict[str, frozenset[str]]]:
    """Each label (lower case) with the levels it sets: a priority, and a severity of its own
    or through the priority it sets (scales.severity_from_priority). Made once per policy."""
    by_severity, by_priority = policy.scales.lookup("severity"), policy.scales.lookup("priority")
    from_priority = _severity_of_priority(policy)
    severity = {
        label: frozenset(
            found
            for found in (by_severity.get(label), from_priority.get(by_priority.get(label, "")))
            if found
        )
        for label in by_severity.keys() | by_priority.keys()
    }
    return {"priority": {k: frozenset({v}) for k, v in by_priority.items()}, "severity": severity}


def _severity_of_priority(policy: Policy) -> dict[str, str]:
    """scales.severity_from_priority as plain strings: priority level to severity level."""
    return {str(p): str(s) for p, s in policy.scales.severity_from_priority.items()}


def _evidence(name: str, value: Any, source: str, where: str, excerpt: str) -> dict[str, Any]:
    return {"name": name, "value": value, "source": source, "where": where, "excerpt": excerpt}
