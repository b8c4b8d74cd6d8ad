"""`hotgate check-diff`: may this change go through the content lane or the hotfix lane? For CI."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from hotgate.cli.app import PolicyOption, app, fail, out, policy_from
from hotgate.gate.diff import DiffError, FileChange, git_diff, read_patch
from hotgate.gate.lanes import GateResult, Refusal, check_content, check_fix


class LaneChoice(StrEnum):
    """The lanes a change can ask for."""

    content = "content"
    fix = "fix"


class GateFormat(StrEnum):
    """Output formats of check-diff."""

    text = "text"
    json = "json"


def _changes(base: str | None, head: str, patch: Path | None) -> list[FileChange]:
    if patch is not None and base is not None:
        fail("give either --patch or --base, not both")
    if patch is None and base is None:
        fail("say what to check: --base REV (with --head, default HEAD) or --patch FILE")
    try:
        return read_patch(patch) if patch is not None else git_diff(str(base), head)
    except DiffError as exc:
        fail(str(exc))


def _escape(text: str, property_value: bool = False) -> str:
    """GitHub's workflow-command escaping: data and property values differ."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def annotation(refusal: Refusal, lane: str) -> str:
    """A GitHub Actions error annotation for one refusal."""
    message = _escape(f"hotgate {lane} lane: {refusal.reason}")
    if refusal.path:
        return f"::error file={_escape(refusal.path, property_value=True)}::{message}"
    return f"::error::{message}"


def report_lines(result: GateResult, issue: str | None) -> list[str]:
    """The gate's answer for a person reading a CI log: verdict, reasons, notes."""
    size = f"{result.files} file(s), {result.lines} changed line(s)"
    if result.allowed:
        lines = [f"hotgate check-diff: {result.lane} lane — ALLOWED ({size})."]
    else:
        count = len(result.refusals)
        lines = [f"hotgate check-diff: {result.lane} lane — REFUSED ({size}); {count} reason(s):"]
        lines.extend(f"  ✘ {refusal}" for refusal in result.refusals)
    lines.extend(f"  · {note}" for note in result.notes)
    if issue and result.allowed:
        lines.append(f"  · linked to {issue}, decided hotfix")
    return lines


def step_summary(result: GateResult) -> str:
    """The answer as Markdown for the GitHub Actions job summary."""
    word = "allowed" if result.allowed else "refused"
    lines = [f"### hotgate: {result.lane} lane — {word}", ""]
    lines.append(f"{result.files} file(s), {result.lines} changed line(s).")
    if result.refusals:
        lines += ["", "| file | reason |", "|---|---|"]
        for refusal in result.refusals:
            path = f"`{refusal.path}`" if refusal.path else "(the whole change)"
            cells = [cell.replace("|", "\\|").replace("\n", " ") for cell in (path, refusal.reason)]
            lines.append(f"| {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def _report(result: GateResult, issue: str | None) -> None:
    # written as they are: a CI log must not wrap a long path in two
    for line in report_lines(result, issue):
        out.file.write(line + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for refusal in result.refusals:
            out.file.write(annotation(refusal, result.lane) + "\n")
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with Path(summary).open("a", encoding="utf-8") as handle:
                handle.write(step_summary(result))
    out.file.flush()


@app.command("check-diff")
def check_diff(
    lane: Annotated[
        LaneChoice,
        typer.Option(
            "--lane", help="content: site content only; fix: a small hotfix with its tests."
        ),
    ],
    base: Annotated[
        str | None,
        typer.Option("--base", help="Compare with this revision (the branch point of --head)."),
    ] = None,
    head: Annotated[str, typer.Option("--head", help="The revision to check.")] = "HEAD",
    patch: Annotated[
        Path | None, typer.Option("--patch", help="Check this patch file instead of git.")
    ] = None,
    issue: Annotated[
        str | None,
        typer.Option("--issue", help="Fix lane: the issue key whose stored decision is hotfix."),
    ] = None,
    fmt: Annotated[
        GateFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = GateFormat.text,
    policy_path: PolicyOption = None,
) -> None:
    """Check whether a change may go through the content lane or the hotfix lane (for CI).

    Exit 0: allowed. Exit 1: refused, with every reason listed. Exit 2: the change or the
    policy cannot be read.
    """
    policy = policy_from(policy_path)
    if issue is not None and lane is not LaneChoice.fix:
        fail("--issue goes with --lane fix")
    if lane is LaneChoice.content and policy.changes is None:
        fail("the policy has no 'changes' section, so it has no content lane")
    changes = _changes(base, head, patch)
    if lane is LaneChoice.content:
        assert policy.changes is not None
        result = check_content(policy.changes, changes)
    else:
        result = check_fix(policy.fix_lane, changes)
        if issue is not None:
            # the store loads only for a check that asks it about the linked bug
            from hotgate import store
            from hotgate.gate.linked_decision import StoreUnavailableError, issue_refusals

            url = store.default_database_url(policy_path)
            try:
                result.refusals.extend(issue_refusals(policy.fix_lane, issue, url))
            except StoreUnavailableError as exc:
                fail(str(exc))
    if fmt is GateFormat.json:
        body = {
            "lane": result.lane,
            "allowed": result.allowed,
            "files": result.files,
            "lines": result.lines,
            "refusals": [{"path": r.path, "reason": r.reason} for r in result.refusals],
            "notes": result.notes,
            "issue": issue,
        }
        out.file.write(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _report(result, issue)
    if not result.allowed:
        raise typer.Exit(1)
