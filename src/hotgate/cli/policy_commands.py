"""`hotgate init` and `hotgate policy show|check`: the policy as a file and as a checklist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotgate.cli.app import PolicyOption, app, fail, input_errors, out, policy_app, policy_from
from hotgate.cli.change_view import lane_checklist
from hotgate.policy.schema import Policy, default_policy_text, load_policy


@app.command()
def init(
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing hotgate.yaml.")
    ] = False,
) -> None:
    """Write the default policy to ./hotgate.yaml, for your team to edit."""
    target = Path("hotgate.yaml")
    if target.exists() and not force:
        fail(f"{target} already exists; use --force to overwrite it")
    target.write_text(default_policy_text(), "utf-8")
    out.print(f"Wrote {target}. Edit it, then run 'hotgate policy check {target}'.")


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
    lines.append(
        "\n[bold]2. Criteria[/] — a bug qualifies when all are answered yes; "
        "a no means no hotfix; an unknown means ask:"
    )
    for number, name in enumerate(policy.criterion_names(), start=1):
        criterion = policy.criteria[name]
        lines.append(f"\n   [bold]{number}. {escape(criterion.title)}[/] ({name})")
        lines.extend(f"      ☐ {escape(q)}" for q in criterion.questions)
        lines.append("      Read from the evidence, first rule that holds:")
        for rule in criterion.rules:
            lines.append(
                f"        → {rule.answer.upper():3} {escape(rule.name)}: {escape(rule.because)}\n"
                f"              when: {escape(rule.when)}"
            )
    timing = policy.timing
    lines.append(
        f"\n[bold]3. Timing[/] — when all three are yes: wait if the next release or its freeze "
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
        "   cost of waiting = reach × severity weight × days until the fix would otherwise ship\n"
        f"     severity weights {dict(risk.severity_weight)}; reach is the affected share, or "
        f"{dict(risk.reach_by_answer)} by the reach answer; "
        f"{timing.default_days_to_release} days when no release is known\n"
        f"   risk of hotfix = (1 + fix lines / {risk.lines_per_unit}) × "
        f"{risk.critical_area_factor} if a core function is touched × "
        f"{risk.untested_factor} without tests ({risk.unknown_tests_factor} if unknown) × "
        f"(1 + {risk.history_factor} × past hotfixes in the same component that were rolled "
        "back or followed by a regression)"
    )
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
