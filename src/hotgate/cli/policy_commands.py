"""`hotgate init` and `hotgate policy show|check`: the policy as a file and as a checklist."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, cast, get_args

import typer
from rich.markup import escape

from hotgate.cli.app import PolicyOption, app, fail, input_errors, out, policy_app, policy_from
from hotgate.cli.change_view import lane_checklist
from hotgate.policy.definition.learned import describe_learned
from hotgate.policy.definition.schema import Audience, Policy, default_policy_text, load_policy

AUDIENCE_HELP = (
    "Who uses your product: end-users, developers or operators. It sets which workarounds "
    "count as reasonable (pinning a version is fine for developers, not for shoppers)."
)


@app.command()
def init(
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing hotgate.yaml.")
    ] = False,
    audience: Annotated[
        Audience | None, typer.Option("--audience", help=AUDIENCE_HELP, show_default=False)
    ] = None,
) -> None:
    """Write the default policy to ./hotgate.yaml, for your team to edit."""
    target = Path("hotgate.yaml")
    if target.exists() and not force:
        fail(f"{target} already exists; use --force to overwrite it")
    if audience is None:
        audience = _ask_audience()
    target.write_text(with_audience(default_policy_text(), audience), "utf-8")
    out.print(f"Wrote {target} for {audience}. Edit it, then run 'hotgate policy check {target}'.")


def _ask_audience() -> Audience:
    """Ask at a terminal; elsewhere take the default (end-users), as a script expects."""
    if not sys.stdin.isatty():
        return "end-users"
    choices = get_args(Audience)
    answer = typer.prompt(
        f"Who uses your product? ({', '.join(choices)})", default="end-users", show_default=True
    )
    if answer not in choices:
        fail(f"audience must be one of {', '.join(choices)}, got {answer!r}")
    return cast(Audience, answer)


def with_audience(policy_text: str, audience: Audience) -> str:
    """The policy file's text with its `audience:` line set (comments and order kept)."""
    return re.sub(r"(?m)^audience: .*$", f"audience: {audience}", policy_text, count=1)


@policy_app.command("show")
def show(policy_path: PolicyOption = None) -> None:
    """Print the policy as the checklist a release manager follows."""
    out.print(checklist(policy_from(policy_path)))


@policy_app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="The policy file to validate.")],
) -> None:
    """Validate a policy file: every pattern, field and condition."""
    with input_errors():
        policy = load_policy(path)
        out.print(
            f"{path}: valid — {len(policy.signals)} signals, {len(policy.criteria)} criteria, "
            f"{len(policy.overrides)} overrides, {len(policy.conditions)} conditions "
            f"(sha256 {policy.sha256[:12]})."
        )


def checklist(policy: Policy) -> str:
    """The policy in plain words: overrides, the criteria with their questions, timing, risk."""
    lines = [f"[bold]Hotfix policy '{escape(policy.name)}'[/] (sha256 {policy.sha256[:12]})"]
    if policy.description:
        lines.append(escape(policy.description))
    lines.append("\n[bold]1. Overrides[/] — any of these makes it a hotfix at once:")
    for item in policy.overrides:
        lines.append(
            f"   • {escape(item.name)}: {escape(item.because)}\n     when: {escape(item.when)}"
        )
    bar = policy.decision
    lines.append(
        "\n[bold]2. Criteria[/] — each is a degree of belief. It starts at its prior; every rule "
        "that holds adds its weight (log-odds: +1 multiplies the odds of yes by 2.7, −1 divides "
        "them). A person's answer wins outright. The answer reads yes at "
        f"{bar.yes_at:.0%} or more, no at {bar.no_at:.0%} or less, else unknown. "
        f"Audience: {policy.audience} (it sets which workarounds count as reasonable)."
    )
    for number, name in enumerate(policy.criterion_names(), start=1):
        criterion = policy.criteria[name]
        lines.append(f"\n   [bold]{number}. {escape(criterion.title)}[/] ({name})")
        lines.extend(f"      ☐ {escape(q)}" for q in criterion.questions)
        lines.append(f"      Before any evidence: {criterion.prior:.0%} yes. Evidence:")
        for rule in criterion.rules:
            lines.append(
                f"        {rule.weight:+5.1f}  {escape(rule.name)}: {escape(rule.because)}\n"
                f"               when: {escape(rule.when)}"
            )
        if criterion.text_model is not None:
            model = criterion.text_model
            lines.append(
                f"        ×{model.weight:g}   the learned reader's score of the report's words "
                f"(capped at ±{model.cap:g}; `hotgate reader show`)"
            )
        if criterion.doubt is not None:
            doubt = criterion.doubt
            lines.append(
                f"        at most {doubt.at_most:.0%}  {escape(doubt.name)}: "
                f"{escape(doubt.because)}\n               when: {escape(doubt.when)}"
            )
    lines.append(
        f"\n   The bug qualifies with the product of the three probabilities; at "
        f"{bar.hotfix_at:.0%} or more it is a hotfix (or waits, below). Under that, people are "
        f"asked (at most three questions) only when answers could lift it over the bar with a "
        f"chance of {bar.ask_at:.0%} or more; otherwise it is no-hotfix, and the decision says "
        "what would change it."
    )
    timing = policy.timing
    lines.append(
        f"\n[bold]3. Timing[/] — when it qualifies: wait if the next release or its freeze "
        f"is within {timing.wait_within_days} day(s); otherwise ship the hotfix now."
    )
    if timing.min_cost_ratio is not None:
        lines.append(
            f"   A hotfix also needs cost of waiting ≥ {timing.min_cost_ratio} × "
            "risk of the hotfix."
        )
    risk = policy.risk
    lines.append(
        "\n[bold]4. Numbers shown beside every decision[/]\n"
        "   cost of waiting = reach × severity weight × days until the fix would otherwise ship"
        " × regression factor\n"
        f"     severity weights {dict(risk.severity_weight)}; reach is the affected share, or "
        "the degree of belief that it reaches most users; "
        f"{timing.default_days_to_release} days when no release is known; a regression from "
        f"the release users are on multiplies it by {risk.regression_factor}\n"
        f"   risk of hotfix = (1 + fix lines / {risk.lines_per_unit}) × "
        f"{risk.critical_area_factor} if a core function is touched × "
        f"{risk.untested_factor} without tests ({risk.unknown_tests_factor} if unknown) × "
        f"(1 + {risk.history_factor} × past hotfixes in the same component that were rolled "
        "back or followed by a regression)"
    )
    learned = describe_learned(policy)
    if learned:
        lines.append("\n[bold]Learned from history[/] (`hotgate learn`)")
        lines.extend(f"   {escape(line)}" for line in learned)
    lines.append(calendar_lines(policy))
    lines.append(
        "\n[bold]Core functions[/]: " + ", ".join(escape(n) for n in policy.core_functions)
    )
    lines.append(lane_checklist(policy))
    return "\n".join(lines)


def calendar_lines(policy: Policy) -> str:
    """The calendar, blackouts and hotfix budget of the policy, in plain words."""
    cal = policy.calendar
    lines = ["\n[bold]5. Release calendar[/] (`hotgate calendar` lists the dates)"]
    if cal.cadence is not None:
        lines.append(
            f"   a release every {cal.cadence.every_days} day(s) "
            f"from {cal.cadence.start.isoformat()}"
        )
    lines.extend(f"   release {escape(r.name)} on {r.date.isoformat()}" for r in cal.releases)
    if cal.cadence is None and not cal.releases:
        lines.append("   no releases in the policy: give --calendar FILE|URL or --next-release")
    if cal.freeze_days_before is not None:
        days = cal.freeze_days_before
        lines.append(f"   code freeze {days} day(s) before each release without its own")
    for b in cal.blackouts:
        lines.append(
            f"   blackout {escape(b.name)}: {b.start.isoformat()} to {b.end.isoformat()} — "
            f"no hotfix unless an override applies. {escape(b.because)}"
        )
    budget = policy.reports.hotfix_budget_per_release
    if budget is not None:
        lines.append(
            f"   hotfix budget: at most {budget} hotfix(es) per release cycle (`hotgate report`)"
        )
    return "\n".join(lines)
