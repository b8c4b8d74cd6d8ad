"""Rendering decisions for people: a decision card and a ranked table."""

from __future__ import annotations

from typing import Any

import polars as pl
from rich.console import Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hotgate.model import Decision

VERDICT_STYLE = {
    "hotfix": ("bold white on red", "Ship it now as a hotfix, outside the release train."),
    "wait": (
        "bold black on yellow",
        "It qualifies, but the next release is close: let it ride that.",
    ),
    "no-hotfix": ("bold white on blue", "Not a hotfix: it goes through the normal release."),
    "needs-info": ("bold black on cyan", "Cannot decide yet: the questions below need answers."),
}
ANSWER_MARK = {"yes": ("✔", "green"), "no": ("✘", "red"), "unknown": ("?", "yellow")}


def decision_card(decision: Decision) -> Panel:
    """A readable card: verdict, each criterion with its evidence, timing, risk and policy."""
    style, meaning = VERDICT_STYLE[decision.verdict]
    subject = decision.subject
    parts: list[Any] = [
        Text.assemble((f" {decision.verdict.upper()} ", style), "  ", (meaning, "bold")),
        Text(""),
    ]
    if decision.override:
        parts.append(Text(f"Override: {decision.reasons[0]}", style="bold red"))
    if decision.probability is not None and subject.kind == "issue":
        parts.append(
            Text(f"It qualifies as a hotfix with a probability of {decision.probability:.0%}.")
        )
        parts.append(Text(""))
    for criterion in decision.criteria:
        mark, colour = ANSWER_MARK[criterion.answer]
        line = Text.assemble((f"{mark} ", colour), (criterion.title, "bold"), " ")
        line.append(criterion.answer, style=colour)
        if criterion.probability is not None:
            line.append(f" ({criterion.probability:.0%} yes)", style=colour)
        if criterion.evidence.because:
            line.append(f" — {criterion.evidence.because}")
        parts.append(line)
        for factor in criterion.evidence.factors[:5]:
            if factor.because == criterion.evidence.because:
                continue
            strength = " strongly" if abs(factor.weight) >= 2.5 else ""
            word = f"raises it{strength}" if factor.weight > 0 else f"lowers it{strength}"
            parts.append(Padding(Text(f"{word}: {factor.because}"), (0, 0, 0, 2)))
        for signal in criterion.evidence.signals[:4]:
            origin = (
                signal.source
                if signal.source == signal.where
                else f"{signal.source} {signal.where}"
            )
            line = Text(f"{signal.name} ({origin}): {signal.excerpt}", style="dim")
            parts.append(Padding(line, (0, 0, 0, 4)))
    if decision.questions:
        parts.append(Text("\nAsk:", style="bold"))
        parts.extend(Text(f"  • {question}") for question in decision.questions)
    if decision.what_would_change:
        parts.append(Text("\nWhat would change this:", style="bold"))
        parts.extend(Text(f"  • {change}") for change in decision.what_would_change)
    timing = [r for r in decision.reasons if "release" in r.lower() and "Override" not in r]
    if timing:
        parts.append(Text(f"\nTiming: {timing[-1]}"))
    risk = decision.risk
    cost = " × ".join(f"{f.name} {f.value:g}" for f in risk.cost_factors)
    hazard = ", ".join(f"{f.name} {f.value:g}" for f in risk.risk_factors)
    parts.append(Text(f"\nCost of waiting {risk.cost_of_waiting:g}  ({cost})"))
    parts.append(Text(f"Risk of hotfix  {risk.risk_of_hotfix:g}  ({hazard})"))
    parts.append(
        Text(
            f"\nPolicy {decision.policy.name} (sha256 {decision.policy.sha256[:12]}), "
            f"as of {decision.as_of.isoformat()}",
            style="dim",
        )
    )
    title = f"{subject.key} — {subject.title}"
    return Panel(Group(*parts), title=title, title_align="left", subtitle=subject.url or "")


BUG_COLUMNS = (("significant", "Sig"), ("broad_reach", "Reach"), ("no_workaround", "No WA"))


def ranked_table(
    summary: pl.DataFrame,
    limit: int,
    criteria: tuple[tuple[str, str], ...] = BUG_COLUMNS,
    title: str = "hotgate triage",
    severity: bool = True,
    width: int = 160,
) -> Table:
    """The ranked decisions as a table, at most `limit` rows (0: all), a column per criterion.

    The verdict, the criteria and the numbers always keep their width; to fit `width`
    columns the title gives way first, then the key.
    """
    rows = summary if not limit else summary.head(limit)
    fixed = [
        ("#", "right", len(str(max(rows.height, 1)))),
        ("Verdict", "left", len("needs-info")),
    ]
    marks = [(header, "center", len(header)) for _, header in criteria]
    marks += [("Sev", "center", 3)] if severity else []
    numbers = [
        ("Cost", "right", max([4, *(len(f"{v:g}") for v in rows["cost_of_waiting"])])),
        ("Risk", "right", max([4, *(len(f"{v:g}") for v in rows["risk_of_hotfix"])])),
    ]
    # each column takes its width, a space either side and one rule; the table one rule more
    used = sum(w + 3 for _, _, w in [*fixed, *marks, *numbers]) + 1
    key_width = max([3, *(len(k) for k in rows["key"])])
    title_width = max([5, *(min(len(t), 60) for t in rows["title"])])
    spare = width - used - 6  # the key's and the title's own padding and rules
    if key_width + title_width > spare:
        key_width = max(8, min(key_width, spare // 2))
        title_width = max(5, spare - key_width)
    table = Table(title=title, title_justify="left", header_style="bold")
    for name, justify, size in fixed:
        table.add_column(name, justify=justify, no_wrap=True, min_width=size)  # type: ignore[arg-type]
    for name, size in (("Key", key_width), ("Title", title_width)):
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=size)
    for name, justify, size in [*marks, *numbers]:
        table.add_column(name, justify=justify, no_wrap=True, min_width=size)  # type: ignore[arg-type]
    for number, row in enumerate(rows.iter_rows(named=True), start=1):
        style, _ = VERDICT_STYLE[row["verdict"]]
        answers = [
            Text(ANSWER_MARK[row[f"{c}__answer"]][0], style=ANSWER_MARK[row[f"{c}__answer"]][1])
            for c, _ in criteria
        ]
        name = row["title"] if len(row["title"]) <= 60 else row["title"][:59] + "…"
        table.add_row(
            str(number),
            Text(row["verdict"], style=style),
            row["key"],
            Text(name),
            *answers,
            *([row["severity_level"] or "-"] if severity else []),
            f"{row['cost_of_waiting']:g}",
            f"{row['risk_of_hotfix']:g}",
        )
    return table
