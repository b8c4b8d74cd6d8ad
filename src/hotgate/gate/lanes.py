"""The hotfix lane gate: whether a change's files may go through the content or the fix lane."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from hotgate.gate.diff import FileChange
from hotgate.policy.changes.facts import code_tag, file_kind
from hotgate.policy.definition.lanes import ChangeLane, FixLane, spec_of

Lane = Literal["content", "fix"]


@dataclass(frozen=True)
class Refusal:
    """One reason a change may not go through the lane, about one file or the whole change."""

    reason: str
    path: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


@dataclass
class GateResult:
    """What the gate found: the change's size and every reason to refuse it."""

    lane: Lane
    files: int
    lines: int
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """Whether the change may go through the lane."""
        return not self.refusals


def _protected_area(lane: ChangeLane, path: str) -> str | None:
    return next(
        (name for name, spec in lane.protected_specs.items() if spec.match_file(path)), None
    )


def _template_of(lane: ChangeLane, path: str) -> str | None:
    return next((name for name, spec in lane.template_specs.items() if spec.match_file(path)), None)


def _content_refusals(lane: ChangeLane, change: FileChange) -> list[Refusal]:
    refusals: list[Refusal] = []
    for path in dict.fromkeys(change.paths):
        area = _protected_area(lane, path)
        if area:
            refusals.append(
                Refusal(
                    f"is in the protected area '{area}'; it never goes through the content lane",
                    path,
                )
            )
        kind = file_kind(lane.files, path, change.executable)
        if kind == "code":
            what = (
                "made executable"
                if change.executable and change.old_mode != change.new_mode
                else f"code ({code_tag(lane.files, path, change.executable)})"
            )
            refusals.append(Refusal(f"is {what}; scripts and code never count as content", path))
        elif kind == "other" and _template_of(lane, path) is None:
            refusals.append(
                Refusal(
                    "is neither content (text, data, images) nor a file of an approved template",
                    path,
                )
            )
    return refusals


def check_content(lane: ChangeLane, changes: Sequence[FileChange]) -> GateResult:
    """The content lane: only content files, nothing protected, no code, within the limits."""
    result = GateResult("content", len(changes), sum(c.lines for c in changes))
    for change in changes:
        result.refusals.extend(_content_refusals(lane, change))
    if len(changes) > lane.limits.files:
        result.refusals.append(
            Refusal(
                f"changes {len(changes)} files; the content lane takes at most {lane.limits.files}"
            )
        )
    templates = sorted({t for c in changes for p in c.paths if (t := _template_of(lane, p))})
    if templates:
        result.notes.append("approved templates: " + ", ".join(templates))
    return result


def _fix_refusal(fix: FixLane, change: FileChange) -> Refusal | None:
    allowed = spec_of(fix.allow)
    for path in change.paths:
        if allowed.match_file(path):
            continue
        for part, what in (
            ("generated", "generated"),
            ("vendored", "vendored"),
            ("lock_files", "a lock file"),
        ):
            if spec_of(getattr(fix, part)).match_file(path):
                return Refusal(
                    f"is {what}; the fix lane takes hand-written source only "
                    f"(fix_lane.allow lets such files through)",
                    path,
                )
    return None


def check_fix(fix: FixLane, changes: Sequence[FileChange]) -> GateResult:
    """The fix lane: small, no generated, vendored or lock files, and tests added or changed."""
    result = GateResult("fix", len(changes), sum(c.lines for c in changes))
    for change in changes:
        refusal = _fix_refusal(fix, change)
        if refusal:
            result.refusals.append(refusal)
    if result.lines > fix.max_lines:
        result.refusals.append(
            Refusal(f"changes {result.lines} lines; the fix lane takes at most {fix.max_lines}")
        )
    if result.files > fix.max_files:
        result.refusals.append(
            Refusal(f"changes {result.files} files; the fix lane takes at most {fix.max_files}")
        )
    tests = spec_of(fix.tests)
    touched = [c.path for c in changes if c.status != "deleted" and tests.match_file(c.path)]
    if touched:
        result.notes.append("tests: " + ", ".join(touched))
    elif fix.require_tests:
        result.refusals.append(
            Refusal(
                "no test was added or changed; a hotfix carries the test "
                "that shows the bug is fixed"
            )
        )
    return result
