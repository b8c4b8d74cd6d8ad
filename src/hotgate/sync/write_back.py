"""Posting a decision back to its tracker, as a comment and/or a label, never twice."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from hotgate.model import Decision, Verdict
from hotgate.sources.base import SourceError
from hotgate.sources.connector import Connector
from hotgate.sync.config import WriteBack

LABELS: dict[Verdict, str] = {"hotfix": "hotfix-candidate", "needs-info": "needs-info"}
MARKER = "hotgate decision:"
_NUMBER = re.compile(r"(?:#|/|:)([A-Za-z0-9_]+-\d+|\d+)$")


@dataclass
class WriteBackReport:
    """What was posted, what was already there, and what failed."""

    comments: int = 0
    labels: int = 0
    already: int = 0
    failed: list[str] = field(default_factory=list)


def issue_number(key: str) -> str:
    """The tracker's own number of an issue from its key (41, PROJ-7)."""
    match = _NUMBER.search(key)
    if not match:
        raise SourceError(f"{key}: no issue number in the key")
    return match.group(1)


def marker(decision: Decision) -> str:
    """The line that marks hotgate's comment, naming the verdict and the policy."""
    return (
        f"{MARKER} {decision.verdict} (policy {decision.policy.name} {decision.policy.sha256[:12]})"
    )


def comment_text(decision: Decision) -> str:
    """The comment posted for a decision: the marker, the reasons, the questions."""
    lines = [marker(decision), ""]
    lines += [f"- {reason}" for reason in decision.reasons]
    if decision.questions:
        lines += ["", "Still to answer:"] + [f"- {q}" for q in decision.questions]
    return "\n".join(lines)


def write_back(
    connector: Connector, options: WriteBack, decisions: Iterable[Decision], report: WriteBackReport
) -> None:
    """Post each decision as asked; a comment already carrying its marker is not posted again."""
    for decision in decisions:
        number = issue_number(decision.subject.key)
        try:
            if options.comment:
                if any(marker(decision) in text for text in connector.comments(number)):
                    report.already += 1
                else:
                    connector.post_comment(number, comment_text(decision))
                    report.comments += 1
            label = LABELS.get(decision.verdict)
            if options.labels and label:
                connector.add_label(number, label)
                report.labels += 1
        except SourceError as exc:
            report.failed.append(f"{decision.subject.key}: {exc}")
