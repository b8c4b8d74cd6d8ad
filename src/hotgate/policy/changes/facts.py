"""Reading the facts of a change request: what it changes, where, why, and by when."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from identify import identify

from hotgate.model import CHANGE_KINDS, ChangeRequest, Release, Signal
from hotgate.policy.definition.lanes import ChangeLane, FileKinds, spec_of
from hotgate.policy.reading.signals import excerpt

Fact = bool | int | None


@dataclass
class Facts:
    """The facts of one change request, each with the signals it was read from."""

    values: dict[str, Fact] = field(default_factory=dict)
    evidence: dict[str, list[Signal]] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    template: str | None = None

    def note(self, name: str, signal: Signal) -> None:
        """Keep a signal as evidence for a fact."""
        self.evidence.setdefault(name, []).append(signal)


def file_kind(files: FileKinds, path: str, executable: bool = False) -> str:
    """'code', 'content' or 'other' for a file path; code is never content."""
    tags = set(identify.tags_from_filename(path.rsplit("/", 1)[-1]))
    if executable:
        tags.add("executable")
    if spec_of(files.code).match_file(path) or tags & set(files.code_tags):
        return "code"
    if spec_of(files.content).match_file(path) or tags & set(files.content_tags):
        return "content"
    return "other"


def code_tag(files: FileKinds, path: str, executable: bool = False) -> str:
    """The identify tag that makes a file code, for the reason shown to a person."""
    tags = set(identify.tags_from_filename(path.rsplit("/", 1)[-1]))
    if executable:
        tags.add("executable")
    found = sorted(tags & set(files.code_tags))
    return found[0] if found else "matches a code pattern"


Text = dict[str, str]


def _text(change: ChangeRequest) -> Text:
    return {"title": change.title, "description": change.description, "reason": change.reason or ""}


@cache
def _matchers(patterns: tuple[str, ...], negation: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The patterns as one expression, and the same preceded by a negation (built once)."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined), re.compile(f"(?:{negation})(?:{joined})$")


def find_unnegated(patterns: list[str], text: str, negation: str) -> str | None:
    """The excerpt around the first match no negation reaches ("no script or code" negates both)."""
    if not patterns or not text:
        return None
    lowered = text.lower()
    pattern, negated = _matchers(tuple(patterns), negation)
    for match in pattern.finditer(lowered):
        clause = max(lowered.rfind(mark, 0, match.start()) for mark in ".;:!?,\n")
        if not negated.search(lowered[clause + 1 : match.end()]):
            return excerpt(text, match.start(), match.end())
    return None


def _from_text(name: str, patterns: list[str], text: Text, negation: str) -> Signal | None:
    for where, part in text.items():
        excerpt = find_unnegated(patterns, part, negation)
        if excerpt is not None:
            return Signal(name=name, value=True, source="text", where=where, excerpt=excerpt)
    return None


def _field(name: str, where: str, value: object) -> Signal:
    return Signal(name=name, value=True, source="field", where=where, excerpt=str(value))


def _read_kinds(
    lane: ChangeLane, change: ChangeRequest, text: Text, negation: str, facts: Facts
) -> None:
    if change.changes:
        facts.kinds = list(dict.fromkeys(change.changes))
        for kind in facts.kinds:
            facts.note(f"{kind}_change", _field(f"{kind}_change", "changes", kind))
        return
    for kind, patterns in lane.kinds.items():
        if kind == "script" and change.custom_code is False:
            continue  # the person said there is no code; the text alone does not overrule that
        signal = _from_text(f"{kind}_change", patterns, text, negation)
        if signal:
            facts.kinds.append(kind)
            facts.note(signal.name, signal)
    for path in change.paths or []:
        if file_kind(lane.files, path) == "code" and "script" not in facts.kinds:
            facts.kinds.append("script")
            facts.note("script_change", _field("script_change", "paths", path))


def _read_areas(
    lane: ChangeLane, change: ChangeRequest, text: Text, negation: str, facts: Facts
) -> None:
    if change.areas:
        facts.areas = list(dict.fromkeys(change.areas))
        for area in facts.areas:
            if area in lane.protected_areas:
                facts.note("protected_area", _field(f"protected_area:{area}", "areas", area))
        return
    for area, patterns in lane.areas.items():
        if _from_text(area, patterns, text, negation):
            facts.areas.append(area)
    for area, spec in lane.protected_areas.items():
        signal = _from_text("protected_area", spec.text, text, negation)
        if signal:
            facts.areas.append(area)
            facts.note(
                "protected_area", signal.model_copy(update={"name": f"protected_area:{area}"})
            )


def _read_paths(lane: ChangeLane, change: ChangeRequest, facts: Facts) -> bool:
    code = False
    for path in change.paths or []:
        for area, spec in lane.protected_specs.items():
            if spec.match_file(path):
                facts.note("protected_area", _field(f"protected_area:{area}", "paths", path))
        if file_kind(lane.files, path) == "code":
            code = True
            facts.note("custom_code", _field("custom_code", "paths", path))
    return code


def _read_template(
    lane: ChangeLane, change: ChangeRequest, text: Text, negation: str, facts: Facts
) -> None:
    if change.template:
        facts.template = change.template
        facts.note("template_named", _field("template_named", "template", change.template))
        return
    paths = change.paths or []
    for name, spec in lane.template_specs.items():
        if paths and all(spec.match_file(path) for path in paths):
            facts.template = name
            facts.note("template_named", _field(f"template_named:{name}", "paths", paths[0]))
            return
    for name, template in lane.templates.items():
        signal = _from_text("template_named", template.text, text, negation)
        if signal:
            facts.template = name
            facts.note(
                "template_named", signal.model_copy(update={"name": f"template_named:{name}"})
            )
            return


def _note_size(facts: Facts, change: ChangeRequest) -> tuple[int, int]:
    pages, files = len(facts.areas), len(change.paths or [])
    for name, count, where, listed in (
        ("pages", pages, "areas", facts.areas),
        ("files", files, "paths", change.paths or []),
    ):
        excerpt = ", ".join(listed) or "none named"
        facts.note(
            name,
            Signal(name=name, value=float(count), source="count", where=where, excerpt=excerpt),
        )
    return pages, files


def _note_timing(facts: Facts, change: ChangeRequest, release: Release | None) -> bool:
    """Whether the release comes out on or before the day the change is needed."""
    if change.needed_by is None:
        return False
    facts.note("needed_by_known", _field("needed_by_known", "needed_by", change.needed_by))
    if release is None:
        return False
    first = release.date <= change.needed_by
    excerpt = f"{release.name} on {release.date}, needed by {change.needed_by}"
    facts.note(
        "release_first",
        Signal(
            name="release_first", value=first, source="calendar", where="release", excerpt=excerpt
        ),
    )
    return first


def _note_code(facts: Facts, change: ChangeRequest, code_paths: bool) -> bool:
    if change.custom_code:
        facts.note("custom_code", _field("custom_code", "custom_code", True))
    if "script" in facts.kinds:
        facts.evidence.setdefault("custom_code", []).extend(facts.evidence["script_change"])
    return bool(change.custom_code) or "script" in facts.kinds or code_paths


def read_change(
    lane: ChangeLane, negation: str, change: ChangeRequest, as_of: date, release: Release | None
) -> Facts:
    """Every fact the content lane's conditions can use, with the evidence behind it."""
    facts = Facts()
    text = _text(change)
    _read_kinds(lane, change, text, negation, facts)
    _read_areas(lane, change, text, negation, facts)
    code_paths = _read_paths(lane, change, facts)
    _read_template(lane, change, text, negation, facts)
    kinds = set(facts.kinds)
    template = lane.templates.get(facts.template) if facts.template else None
    custom_code = _note_code(facts, change, code_paths)
    need = _from_text("time_bound", lane.need, text, negation)
    if need:
        facts.note("time_bound", need)
    if change.reason:
        facts.note("reason_given", _field("reason_given", "reason", change.reason))
    pages, files = _note_size(facts, change)
    release_first = _note_timing(facts, change, release)
    facts.values = {
        "kinds_known": bool(kinds),
        "simple_kinds_only": bool(kinds) and kinds <= set(lane.simple_kinds),
        "other_kinds": bool(kinds - set(lane.simple_kinds)),
        "within_limits": pages <= lane.limits.pages and files <= lane.limits.files,
        "time_bound": need is not None,
        "reason_given": bool(change.reason),
        "needed_by_known": change.needed_by is not None,
        "release_first": release_first,
        "protected_area": "protected_area" in facts.evidence,
        "custom_code": custom_code,
        "template_named": facts.template is not None,
        "template_approved": template is not None,
        "template_allows": template is not None and kinds <= set(template.allows),
        "needs_template": bool(kinds & set(lane.template_kinds)),
        "pages": pages,
        "files": files,
        "days_until_release": release.days_until if release else None,
        "days_until_needed": (change.needed_by - as_of).days if change.needed_by else None,
        **{f"{kind}_change": kind in kinds for kind in CHANGE_KINDS},
    }
    _aggregate(lane, facts)
    if template is not None:
        allows = ", ".join(template.allows)
        facts.note("template_approved", _field("template_approved", "templates", facts.template))
        where = f"templates.{facts.template}.allows"
        facts.note("template_allows", _field("template_allows", where, allows))
    return facts


def _aggregate(lane: ChangeLane, facts: Facts) -> None:
    """Facts made of other facts carry the evidence of their parts."""
    for kind in facts.kinds:
        signals = facts.evidence.get(f"{kind}_change", [])
        targets = [
            "kinds_known",
            "simple_kinds_only" if kind in lane.simple_kinds else "other_kinds",
        ]
        if kind in lane.template_kinds:
            targets.append("needs_template")
        for target in targets:
            facts.evidence.setdefault(target, []).extend(signals)
    facts.evidence["within_limits"] = [*facts.evidence["pages"], *facts.evidence["files"]]
